"""`govbiz worker`: dispatch continuously, sweep once a day, stop cleanly (issue #21, Workers)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time as wall
import urllib.error
import urllib.request
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.clock import ManualClock
from govbiz.domain import Actor, Role
from govbiz.ledger import Ledger
from govbiz.notify import CaptureChannel, Notification
from govbiz.notify.notifier import NotificationSettings
from govbiz.notify.worker import Worker, prometheus_text, serve_health
from govbiz.ports.outbox import OutboxEntry, OutboxStatus
from govbiz.profile import CountyProfile
from govbiz.storage import MemoryStore

BEIJING = ZoneInfo("Asia/Shanghai")
RULES = [
    {"trigger": "assigned", "recipients": ["lead"], "channels": ["console"]},
    {"trigger": "overdue", "recipients": ["lead"], "channels": ["console"]},
]
ASSIGNED = datetime(2027, 3, 1, 10, tzinfo=BEIJING)  # a Monday of a provisional year


def assigned_ledger(store: object | None = None, when: datetime = ASSIGNED) -> Ledger:
    """A ledger with one problem assigned at `when`: one assignment notice queued for the console."""
    profile = CountyProfile(name="张家界市", notifications=NotificationSettings.from_dict({"rules": RULES}))
    ledger = Ledger(store or MemoryStore(), clock=ManualClock(when), profiles={"430800": profile})  # type: ignore[arg-type]
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    ledger.handle(admin, c.RegisterDepartment(code="430800-zgj", name="市自规局", short_name="市自规局",
                                              county="430800"))  # fmt: skip
    firm = ledger.handle(admin, c.RegisterEnterprise(county="430800", name="张家界久瑞生物科技有限公司",
                                                     credit_code="91430800MA4L12345E"))  # fmt: skip
    collector = Actor(id="tzb", role=Role.COLLECTOR, county="430800")
    problem = ledger.handle(collector, c.CollectProblem(
        enterprise_id=firm.id, title="施工保障", category="土地规划", source="调研走访"))  # fmt: skip
    ledger.handle(collector, c.TriageProblem(problem_id=problem.id))
    ledger.handle(Actor(id="sj", role=Role.CHAIR, county="430800"),
                  c.AssignProblem(problem_id=problem.id, lead="430800-zgj"))  # fmt: skip
    return ledger


def queue(ledger: Ledger, count: int) -> None:
    """`count` more console entries, created now."""
    with ledger.store.unit_of_work() as uow:
        for i in range(count):
            note = Notification(key=f"test:{i}", channel="console", recipients=("市自规局",),
                                subject=f"第{i}条", body="正文")  # fmt: skip
            uow.enqueue_new(OutboxEntry(notification=note, county="430800", created_at=ledger.clock.now()))
        uow.commit()


def test_a_step_delivers_what_is_due_and_counts_it() -> None:
    ledger = assigned_ledger()
    console = CaptureChannel("console")
    worker = Worker(ledger, {"console": console}, sweep_at=None)
    report = worker.step()
    [notice] = console.delivered
    assert "施工保障" in notice.subject
    assert report.sent == tuple(e.key for e in ledger.store.outbox().entries(OutboxStatus.SENT))
    assert worker.status.delivered["sent"] == 1
    assert worker.status.rounds == 1
    assert worker.step().claimed == 0  # nothing left: the loop would wait


def test_the_sweep_runs_once_a_day_at_its_time() -> None:
    ledger = assigned_ledger()
    clock = ledger.clock
    assert isinstance(clock, ManualClock)
    worker = Worker(ledger, {"console": CaptureChannel("console")}, sweep_at=time(8, 30))
    clock.set(datetime(2027, 3, 11, 8, 0, tzinfo=BEIJING))  # progress due 03-10: overdue, but too early
    assert worker.sweep_if_due() is False
    clock.set(datetime(2027, 3, 11, 8, 31, tzinfo=BEIJING))
    assert worker.sweep_if_due() is True
    assert worker.status.last_sweep_queued >= 1  # the overdue progress report is reminded
    assert worker.sweep_if_due() is False  # once a day
    clock.set(datetime(2027, 3, 12, 9, 0, tzinfo=BEIJING))
    assert worker.sweep_if_due() is True
    assert worker.status.last_sweep_on == datetime(2027, 3, 12).date()


def test_a_stop_mid_batch_releases_what_was_not_delivered() -> None:
    ledger = assigned_ledger()
    queue(ledger, 4)

    class Stopper(CaptureChannel):
        def deliver(self, notification: Notification) -> None:
            super().deliver(notification)
            worker.request_stop()  # SIGTERM arrives during the first delivery

    channel = Stopper("console")
    worker = Worker(ledger, {"console": channel}, sweep_at=None, batch=10)
    report = worker.step()
    assert len(report.sent) == 1
    assert len(report.released) == 4
    outbox = ledger.store.outbox()
    # Due again at once for another worker, within the stopped worker's lease.
    taken = outbox.claim(ledger.clock.now(), limit=10, lease=timedelta(minutes=5), worker="other")
    assert sorted(e.key for e in taken) == sorted(report.released)


def test_run_returns_promptly_when_stopped_while_waiting() -> None:
    ledger = assigned_ledger()
    worker = Worker(ledger, {"console": CaptureChannel("console")}, sweep_at=None, poll=60.0)
    thread = threading.Thread(target=worker.run)
    thread.start()
    deadline = wall.monotonic() + 10
    while worker.status.rounds < 2 and wall.monotonic() < deadline:  # delivered, then found nothing
        wall.sleep(0.01)
    worker.request_stop()
    thread.join(timeout=5)  # far less than the 60 s poll
    assert not thread.is_alive()
    assert worker.status.delivered["sent"] == 1


def test_health_and_metrics_over_http() -> None:
    ledger = assigned_ledger()
    queue(ledger, 2)
    worker = Worker(ledger, {"console": CaptureChannel("console")}, sweep_at=None, batch=1)
    server = serve_health(worker, port=0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(urllib.error.HTTPError) as stalled:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)  # never ran a round
        assert stalled.value.code == 503
        stalled.value.close()
        worker.step()
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
            health = json.loads(answer.read())
        assert (health["status"], health["rounds"]) == ("ok", 1)
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as answer:
            assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            metrics = answer.read().decode()
        assert 'govbiz_outbox_entries{status="pending"} 2' in metrics
        assert 'govbiz_outbox_entries{status="sent"} 1' in metrics
        assert 'govbiz_worker_deliveries_total{outcome="sent"} 1' in metrics
        assert "govbiz_worker_up 1" in metrics
        assert metrics == prometheus_text(worker)
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/nothing", timeout=5)
        assert missing.value.code == 404
        missing.value.close()
    finally:
        server.shutdown()
        server.server_close()


def test_the_worker_refuses_a_poll_that_is_not_positive() -> None:
    with pytest.raises(govbiz.errors.ValidationError, match="poll"):
        Worker(assigned_ledger(), {}, poll=0)


def test_govbiz_worker_runs_until_sigterm_and_exits_cleanly(tmp_path: Path) -> None:
    """The real command in its own process: delivers, answers /healthz, logs JSON, stops on SIGTERM."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    now = datetime.now(BEIJING) - timedelta(minutes=1)  # today, whatever day the test runs
    with govbiz.open(url) as ledger:
        assigned_ledger(ledger.store, now)
    command = [sys.executable, "-m", "govbiz", "worker", "--db", url, "--poll", "0.2", "--sweep-at", "never",
               "--metrics-port", "0"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            assert process.stderr is not None
            banner = process.stderr.readline()
            assert "/healthz and /metrics on http://127.0.0.1:" in banner
            base = banner.rsplit(" on ", 1)[1].strip()
            deadline = wall.monotonic() + 20
            while wall.monotonic() < deadline:
                with govbiz.open(url) as ledger:
                    if ledger.store.outbox().entries(OutboxStatus.SENT):
                        break
                wall.sleep(0.1)
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                assert json.loads(answer.read())["status"] == "ok"
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
            # Read on from the same file objects: readline() above may have buffered lines after the banner.
            out, err = process.stdout.read(), process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert "施工保障" in out  # the console channel printed the assignment notice
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert {"worker started", "dispatched", "worker stopped"} <= {line["message"] for line in lines}
    assert all(line["time"].endswith("+08:00") for line in lines)
    assert "stopped: " in err


def test_outbox_dispatch_exits_non_zero_when_an_entry_went_dead(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = govbiz.open(url)
    with ledger.store.unit_of_work() as uow:
        note = Notification(key="test:nowhere", channel="carrier-pigeon", recipients=("市自规局",),
                            subject="测试", body="正文")  # fmt: skip
        uow.enqueue_new(OutboxEntry(notification=note, county="430800", created_at=ledger.clock.now()))
        uow.commit()
    ledger.close()
    result = CliRunner().invoke(main, ["outbox", "dispatch", "--db", url])
    assert result.exit_code == 1
    assert "dead 1" in result.output
    assert "1 entry went dead in this run" in result.output
