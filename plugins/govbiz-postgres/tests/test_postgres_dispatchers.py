"""Several dispatcher processes share one PostgreSQL outbox and never send a message twice.

Each dispatcher is a real `govbiz.notify.dispatcher.Dispatcher` in its own
spawned process, with a channel that records every delivery (and takes a
little time, so claims overlap).  The claim selects with `FOR UPDATE SKIP
LOCKED`: concurrent dispatchers skip each other's rows instead of waiting
for them or taking them twice.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from govbiz_postgres import open_postgres

from govbiz.clock import SystemClock
from govbiz.notify.dispatcher import Dispatcher
from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxEntry, OutboxStatus

DISPATCHERS = 4
MESSAGES = 400
SPAWN = multiprocessing.get_context("spawn")


class _Recording:
    name = "wecom"

    def __init__(self) -> None:
        self.delivered: list[str] = []

    def deliver(self, notification: Notification) -> None:
        time.sleep(0.001)  # a real channel takes a while; keeps the claims overlapping
        self.delivered.append(notification.key)


def _dispatch(url: str, name: str, start: Any, results: Any) -> None:
    try:
        store = open_postgres(url, pool_size=1)
        channel = _Recording()
        dispatcher = Dispatcher(store.outbox(), {"wecom": channel}, SystemClock(), worker=name, batch=7)
        start.wait(timeout=60)
        idle = 0
        while idle < 3:  # a few empty rounds: the others may still be releasing rows
            idle = idle + 1 if not dispatcher.run_once().claimed else 0
        store.close()
        results.put((name, channel.delivered, None))
    except BaseException:
        results.put((name, [], traceback.format_exc()))


def test_dispatchers_in_several_processes_send_each_message_once(pg_url: str) -> None:
    store = open_postgres(pg_url)
    created = datetime.now(UTC) - timedelta(minutes=1)
    keys = [f"remind:430800-2025-{n:04d}:progress" for n in range(MESSAGES)]
    for key in keys:
        with store.unit_of_work() as uow:
            note = Notification(
                key=key, channel="wecom", recipients=("市自规局",), subject="提醒", body="请按时报送"
            )
            assert uow.enqueue(OutboxEntry(notification=note, county="430800", created_at=created))
            uow.commit()

    start, results = SPAWN.Barrier(DISPATCHERS), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_dispatch, args=(pg_url, f"d{i}", start, results)) for i in range(DISPATCHERS)
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert [error for _, _, error in collected if error] == []

    delivered = Counter(key for _, keys_sent, _ in collected for key in keys_sent)
    assert sorted(delivered) == sorted(keys)  # every message went out ...
    assert max(delivered.values()) == 1  # ... exactly once
    assert sum(1 for _, sent, _ in collected if sent) >= 2  # and the work really was shared
    sent = store.outbox().entries(OutboxStatus.SENT, limit=MESSAGES + 1)
    assert len(sent) == MESSAGES
    by_worker = Counter(e.claimed_by for e in sent)
    assert by_worker == Counter({name: len(got) for name, got, _ in collected if got})
    store.close()
