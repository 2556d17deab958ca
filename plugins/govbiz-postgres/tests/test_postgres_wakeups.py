"""LISTEN/NOTIFY: a worker waiting on PostgreSQL wakes when another process commits an outbox entry.

The worker polls every 60 s; the entry must be delivered within a few
seconds of its commit, so only the notice can have woken it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from govbiz_postgres import open_postgres
from govbiz_postgres.store import PostgresStore
from govbiz_postgres.wakeups import ListeningWaiter

from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxEntry, OutboxStatus


def _entry(n: int, county: str = "430800") -> OutboxEntry:
    note = Notification(key=f"wake-test:{n}", channel="console", recipients=("市自规局",),
                        subject=f"唤醒{n:03d}", body="请按时报送")  # fmt: skip
    return OutboxEntry(notification=note, county=county, created_at=datetime.now(UTC) - timedelta(seconds=1))


def _queue(url: str, n: int) -> None:
    """Commit one entry from a connection of this process (the worker is another process)."""
    store = open_postgres(url, pool_size=1)
    try:
        with store.unit_of_work() as uow:
            uow.enqueue_new(_entry(n))
            uow.commit()
    finally:
        store.close()


def _sent(url: str) -> int:
    store = open_postgres(url, pool_size=1)
    try:
        return len(store.outbox().entries(OutboxStatus.SENT, limit=100))
    finally:
        store.close()


def _delivered_within(url: str, count: int, seconds: float) -> float:
    start = time.monotonic()
    while _sent(url) < count:
        assert time.monotonic() - start < seconds, f"not delivered within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_worker_with_a_long_poll_delivers_soon_after_another_process_commits(pg_url: str) -> None:
    command = [sys.executable, "-m", "govbiz", "worker", "--db", pg_url, "--sweep-at", "never",
               "--poll", "60"]  # fmt: skip
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with worker:
        try:
            assert worker.stderr is not None
            assert "worker started" in worker.stderr.readline()  # it listens before this line
            time.sleep(0.5)  # its first round found nothing: it is waiting on its 60 s poll now
            latencies = []
            for n in range(3):
                _queue(pg_url, n)
                latencies.append(_delivered_within(pg_url, n + 1, 10))
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=30)  # a stop ends the wait on the notice socket too
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 0, err
    assert max(latencies) < 5, latencies  # far from the 60 s poll
    assert [f"唤醒{n:03d}" in out for n in range(3)] == [True] * 3


def test_the_waiter_hears_a_commit_not_a_rollback_and_stops_at_once(pg_store: PostgresStore) -> None:
    waiter = pg_store.outbox().waiter()
    assert isinstance(waiter, ListeningWaiter)
    try:
        waiter.listen()
        started = time.monotonic()
        assert waiter.wait_for_work(0.3) is False  # nothing committed: the timer runs out
        assert time.monotonic() - started >= 0.3

        with pg_store.unit_of_work() as uow:  # staged, then rolled back: no notice
            uow.enqueue_new(_entry(1))
        assert waiter.wait_for_work(0.3) is False

        with pg_store.unit_of_work() as uow:
            uow.enqueue_new(_entry(2))
            uow.commit()
        assert waiter.wait_for_work(5) is True

        threading.Timer(0.2, waiter.interrupt).start()
        started = time.monotonic()
        assert waiter.wait_for_work(30) is False
        assert time.monotonic() - started < 5
        assert waiter.wait_for_work(30) is False  # interrupted for good: returns at once
    finally:
        waiter.close()
