"""Two `govbiz worker` processes on one PostgreSQL ledger: nothing lost, each notice sent once.

One worker is stopped with SIGTERM in the middle: what it had claimed but
not delivered is released (`Outbox.release`) and the other delivers it at
once, without waiting for the claim's lease to run out (five minutes here).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from govbiz_postgres import open_postgres

from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxEntry, OutboxStatus
from govbiz.testing.processes import GovbizProcess, start_govbiz, wait_until

MESSAGES = 200


def start_worker(url: str, directory: Path, name: str, *options: str) -> GovbizProcess:
    """`govbiz worker` on `url`, dispatch only, ready once it logged that it started (its handlers set).

    SIGTERM before the worker has set its handler would kill it like any program starting up.
    """
    command = ["worker", "--db", url, "--sweep-at", "never", "--poll", "0.2", "--batch", "10"]
    command += ["--lease", "300"]
    return start_govbiz([*command, *options], directory, name, ready="worker started")


def sent(url: str) -> int:
    """How many outbox entries of the ledger at `url` are sent."""
    store = open_postgres(url, pool_size=1)
    try:
        return store.outbox().stats(datetime.now(UTC)).count(OutboxStatus.SENT)
    finally:
        store.close()


def test_two_workers_send_each_notice_once_and_a_stopped_one_hands_its_claims_over(
    pg_url: str, tmp_path: Path
) -> None:
    store = open_postgres(pg_url)
    created = datetime.now(UTC) - timedelta(minutes=1)
    with store.unit_of_work() as uow:
        for n in range(MESSAGES):
            note = Notification(key=f"worker-test:{n}", channel="console", recipients=("市自规局",),
                                subject=f"提醒{n:03d}", body="请按时报送")  # fmt: skip
            uow.enqueue_new(OutboxEntry(notification=note, county="430800", created_at=created))
        uow.commit()
    store.close()

    first, second = start_worker(pg_url, tmp_path, "first"), start_worker(pg_url, tmp_path, "second")
    try:
        wait_until(lambda: sent(pg_url) >= 20, 60, "20 sent")
        codes = [first.stop()]
        wait_until(lambda: sent(pg_url) == MESSAGES, 60, "all sent")  # long before a 300 s lease runs out
        codes.append(second.stop())
    finally:
        for process in (first, second):
            if process.alive():
                process.stop()
    outputs = [(p.stdout(), p.stderr()) for p in (first, second)]
    assert codes == [0, 0], outputs
    printed = Counter(re.findall(r"提醒\d{3}", "".join(out for out, _ in outputs)))
    assert sorted(printed) == [f"提醒{n:03d}" for n in range(MESSAGES)]  # nothing lost ...
    assert max(printed.values()) == 1  # ... nothing sent twice
    assert all("stopped: " in err for _, err in outputs)
    store = open_postgres(pg_url)
    try:
        assert store.outbox().stats(datetime.now(UTC)).count(OutboxStatus.SENT) == MESSAGES
    finally:
        store.close()
