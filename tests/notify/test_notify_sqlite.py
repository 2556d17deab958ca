"""The outbox on SQLite: committed with events, shared by dispatchers, safe from SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import govbiz
from govbiz.clock import ManualClock, beijing
from govbiz.notify.dispatcher import Dispatcher
from govbiz.ports.outbox import OutboxStatus
from tests.conftest import World, build_world

ROOT = Path(__file__).resolve().parents[2]


def sqlite_world(tmp_path: Path) -> tuple[World, str]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    return build_world(govbiz.open(url)), url


class FileChannel:
    """A console-named channel that appends each key to a file (what a receiver would log)."""

    name = "console"

    def __init__(self, path: Path) -> None:
        self.path = path

    def deliver(self, notification: object) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(notification.key + "\n")  # type: ignore[attr-defined]


def test_notifications_are_committed_with_their_events(tmp_path: Path) -> None:
    world, url = sqlite_world(tmp_path)
    problem = world.assigned()
    reopened = govbiz.open(url)
    keys = [e.key for e in reopened.store.outbox().entries()]
    assert keys == [f"problem:{problem.id}:v4:assigned:console"]
    with reopened.store.unit_of_work() as uow:
        assert [e.version for e in uow.events("problem", problem.id)] == [1, 2, 3, 4]


def test_two_dispatchers_share_the_outbox_without_overlap(tmp_path: Path) -> None:
    world, url = sqlite_world(tmp_path)
    for i in range(6):
        world.assigned(f"问题{i}")
    now = world.clock.now()
    first = govbiz.open(url).store.outbox().claim(now, limit=4, lease=timedelta(minutes=5), worker="a")
    second = govbiz.open(url).store.outbox().claim(now, limit=4, lease=timedelta(minutes=5), worker="b")
    assert (len(first), len(second)) == (4, 2)
    assert not {e.key for e in first} & {e.key for e in second}


def test_a_dispatcher_killed_mid_batch_loses_nothing(tmp_path: Path) -> None:
    world, url = sqlite_world(tmp_path)
    for i in range(12):
        world.assigned(f"问题{i}")
    delivered = tmp_path / "delivered.txt"
    script = textwrap.dedent(
        f"""
        import time, govbiz
        from datetime import timedelta
        from govbiz.clock import SystemClock
        from govbiz.notify.dispatcher import Dispatcher

        class Slow:
            name = "console"
            def deliver(self, notification):
                with open({str(delivered)!r}, "a", encoding="utf-8") as handle:
                    handle.write(notification.key + "\\n")
                time.sleep(0.3)

        store = govbiz.open({url!r}).store
        Dispatcher(store.outbox(), {{"console": Slow()}}, SystemClock(), batch=6,
                   lease=timedelta(seconds=2), timeout=1.0).run_until_idle()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        deadline = time.monotonic() + 60
        while not delivered.exists() or len(delivered.read_text().splitlines()) < 3:
            assert time.monotonic() < deadline, "the dispatcher delivered nothing within 60 s"
            assert process.poll() is None, "the dispatcher ended before it could be killed"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # in the middle of its first batch of 6
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    store = govbiz.open(url).store
    assert len(store.outbox().entries(OutboxStatus.SENT)) < 12  # the kill did interrupt the work
    # A second dispatcher, after the dead one's lease ran out, finishes the job.
    later = ManualClock(datetime.now(beijing()) + timedelta(seconds=3))
    report = Dispatcher(store.outbox(), {"console": FileChannel(delivered)}, later, batch=6).run_until_idle()
    assert report.dead == ()
    all_keys = {e.key for e in store.outbox().entries(limit=100)}
    assert len(all_keys) == 12
    assert {e.key for e in store.outbox().entries(OutboxStatus.SENT, limit=100)} == all_keys
    lines = delivered.read_text().splitlines()
    assert set(lines) == all_keys  # nothing lost
    assert len(lines) - len(set(lines)) <= 1  # at most the message in flight at the kill went twice
