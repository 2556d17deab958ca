"""`govbiz worker`: continuous dispatch, the daily sweep once a day, /healthz and metrics, SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time as wall
from datetime import datetime, time, timedelta
from pathlib import Path

import httpx
from api_test_server import free_port, start
from govbiz_api.worker import Worker, outbox_figures, prometheus_text

from govbiz.clock import ManualClock
from govbiz.ledger import Ledger
from govbiz.notify import CaptureChannel
from govbiz.notify.dispatcher import Dispatcher
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import BEIJING


def worker_on(ledger: Ledger, channel: CaptureChannel, **kwargs: object) -> Worker:
    dispatcher = Dispatcher(ledger.store.outbox(), {"console": channel}, ledger.clock, timeout=None)
    return Worker(ledger, dispatcher, **kwargs)  # type: ignore[arg-type]


def test_a_round_delivers_what_is_due_and_counts_it(tmp_path: Path) -> None:
    world, *_ = start(tmp_path)
    channel = CaptureChannel("console")
    worker = worker_on(world.ledger, channel, sweep_at=None)
    before = outbox_figures(world.ledger, world.clock.now())
    assert before.by_status["pending"] == 1  # the assignment notice (市自规局, 市住建局)
    assert before.oldest_pending_age == 0.0
    report = worker.run_round()
    assert len(report.sent) == 1
    assert [n.recipients for n in channel.delivered] == [("市自规局", "市住建局")]
    after = outbox_figures(world.ledger, world.clock.now())
    assert (after.by_status["pending"], after.by_status["sent"], after.oldest_pending_age) == (0, 1, None)
    metrics = prometheus_text(worker)
    assert 'govbiz_outbox_entries{status="sent"} 1' in metrics
    assert "govbiz_worker_sent_total 1" in metrics
    assert worker.run_round().claimed == 0
    world.ledger.close()


def test_the_sweep_runs_once_a_day_at_its_beijing_time() -> None:
    clock = ManualClock(datetime(2029, 10, 8, 7, 59, tzinfo=BEIJING))  # a Monday in 2029
    ledger = Ledger(clock=clock)
    swept: list[datetime] = []
    worker = worker_on(
        ledger, CaptureChannel("console"), sweep_at=time(8, 0), sweep=lambda _, at: swept.append(at)
    )
    worker.run_round()
    assert swept == []
    clock.set(datetime(2029, 10, 8, 8, 0, tzinfo=BEIJING))
    worker.run_round()
    clock.advance(timedelta(hours=3))
    worker.run_round()
    assert swept == [datetime(2029, 10, 8, 8, 0, tzinfo=BEIJING)]
    clock.set(datetime(2029, 10, 9, 9, 0, tzinfo=BEIJING))  # the next day
    worker.run_round()
    assert len(swept) == 2
    assert worker.status.sweeps == 2


def test_two_workers_on_one_database_send_each_notification_once(tmp_path: Path) -> None:
    world, db_url, *_ = start(tmp_path)
    for n in range(12):
        world.assigned(title=f"第{n}号问题")
    channel = CaptureChannel("console")
    ledgers = [Ledger(open_sqlite(db_url), clock=world.clock) for _ in range(2)]
    workers = [worker_on(ledger, channel, poll=0.05, sweep_at=None) for ledger in ledgers]
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    deadline = wall.monotonic() + 30
    while (
        outbox_figures(world.ledger, world.clock.now()).by_status["pending"] and wall.monotonic() < deadline
    ):
        wall.sleep(0.05)
    for w in workers:
        w.stop()
    for thread in threads:
        thread.join(timeout=30)
    keys = [n.key for n in channel.delivered]
    assert len(keys) == 13
    assert len(set(keys)) == 13
    assert sum(w.status.sent for w in workers) == 13
    for ledger in ledgers:
        ledger.close()
    world.ledger.close()


def test_the_worker_command_serves_health_and_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    world, db_url, *_ = start(tmp_path)
    world.ledger.close()
    port = free_port()
    command = [
        sys.executable, "-m", "govbiz", "worker", "--db", db_url, "--poll", "0.2", "--sweep-at", "none",
        "--status-port", str(port),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = wall.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                if health.json()["rounds"] >= 1:
                    break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
            assert wall.monotonic() < deadline, "the worker did not answer"
            wall.sleep(0.1)
        assert health.json()["status"] == "ok"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'govbiz_outbox_entries{status="pending"} 0' in metrics  # the console channel took it
        assert "govbiz_worker_sent_total 1" in metrics
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert '"event": "stop"' in output
    assert '"sent": 1' in output


def test_the_library_sweep_queues_reminders_the_same_round_delivers(tmp_path: Path) -> None:
    world, *_ = start(tmp_path)
    channel = CaptureChannel("console")
    worker = worker_on(world.ledger, channel, sweep_at=time(8, 0))
    worker.run_round()  # 2025-03-31 10:00: the day's sweep and the assignment notice
    delivered = len(channel.delivered)
    world.clock.set(datetime(2025, 4, 2, 8, 30, tzinfo=BEIJING))  # the sign-for day (04-01) has passed
    report = worker.run_round()
    assert worker.status.sweeps == 2
    reminders = channel.delivered[delivered:]
    assert reminders, "the overdue sign-for clock is reminded"
    assert len(report.sent) == len(reminders)
    assert all("市自规局" in n.recipients for n in reminders)
    world.ledger.close()
