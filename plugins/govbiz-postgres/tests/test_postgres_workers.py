"""Two `govbiz worker` processes on one PostgreSQL ledger: nothing lost, each notice sent once.

One worker is stopped with SIGTERM in the middle: what it had claimed but
not delivered is released (`Outbox.release`) and the other delivers it at
once, without waiting for the claim's lease to run out (five minutes here).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from govbiz_postgres import open_postgres

from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxEntry, OutboxStatus

MESSAGES = 200


def _worker(url: str) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "govbiz", "worker", "--db", url, "--sweep-at", "never", "--poll", "0.2",
        "--batch", "10", "--lease", "300",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _sent(url: str) -> int:
    store = open_postgres(url, pool_size=1)
    try:
        return len(store.outbox().entries(OutboxStatus.SENT, limit=MESSAGES + 1))
    finally:
        store.close()


def _wait_until(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"not reached within {seconds} s")


def test_two_workers_send_each_notice_once_and_a_stopped_one_hands_its_claims_over(pg_url: str) -> None:
    store = open_postgres(pg_url)
    created = datetime.now(UTC) - timedelta(minutes=1)
    with store.unit_of_work() as uow:
        for n in range(MESSAGES):
            note = Notification(key=f"worker-test:{n}", channel="console", recipients=("市自规局",),
                                subject=f"提醒{n:03d}", body="请按时报送")  # fmt: skip
            uow.enqueue_new(OutboxEntry(notification=note, county="430800", created_at=created))
        uow.commit()
    store.close()

    first, second = _worker(pg_url), _worker(pg_url)
    with first, second:
        try:
            # SIGTERM before the worker has set its handler would kill it like any program starting up.
            assert first.stderr is not None
            assert "worker started" in first.stderr.readline()
            _wait_until(lambda: _sent(pg_url) >= 20, 60)
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=30)
            _wait_until(lambda: _sent(pg_url) == MESSAGES, 60)  # long before a 300 s lease runs out
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
            # Read on from the same file objects: readline() above may have buffered more.
            outputs = [(p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "")
                       for p in (first, second)]  # fmt: skip
        finally:
            for process in (first, second):
                if process.poll() is None:
                    process.kill()
    assert (first.returncode, second.returncode) == (0, 0), outputs
    printed = Counter(re.findall(r"提醒\d{3}", "".join(out for out, _ in outputs)))
    assert sorted(printed) == [f"提醒{n:03d}" for n in range(MESSAGES)]  # nothing lost ...
    assert max(printed.values()) == 1  # ... nothing sent twice
    assert all("stopped: " in err for _, err in outputs)
    store = open_postgres(pg_url)
    try:
        assert store.outbox().stats(datetime.now(UTC)).count(OutboxStatus.SENT) == MESSAGES
    finally:
        store.close()
