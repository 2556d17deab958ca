"""Dispatcher claims are fenced and renewed; a delivery timeout is positive and shorter than the lease.

The store side (every store: memory, SQLite, PostgreSQL) is in the storage
contract (`govbiz.testing.contract`): `test_claims_are_fenced_by_their_token`,
`test_a_batch_longer_than_the_lease_sends_each_entry_once` and
`test_a_dispatcher_that_outlasted_its_lease_records_nothing`.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.clock import ManualClock
from govbiz.errors import ValidationError
from govbiz.notify.dispatcher import Dispatcher
from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxStatus
from govbiz.storage.sql import migrate
from govbiz.storage.sql.sqlite import open_sqlite, parse_sqlite_url, sqlite_engine
from tests.conftest import World, build_world


class Recorder:
    name = "console"

    def __init__(self) -> None:
        self.delivered: list[str] = []

    def deliver(self, notification: Notification) -> None:
        self.delivered.append(notification.key)


@pytest.mark.parametrize("timeout", [-5.0, 0.0, math.nan, 300.0, 301.0])
def test_a_delivery_timeout_must_be_positive_and_shorter_than_the_lease(world: World, timeout: float) -> None:
    with pytest.raises(ValidationError, match="positive and shorter than the lease") as info:
        Dispatcher(world.ledger.store.outbox(), {}, world.clock, timeout=timeout, lease=timedelta(minutes=5))
    assert info.value.field == "timeout"
    with pytest.raises(ValidationError) as info:
        Dispatcher(world.ledger.store.outbox(), {}, world.clock, lease=timedelta(0))
    assert info.value.field == "lease"


def test_a_delivery_that_answers_within_the_timeout_is_marked_sent(world: World) -> None:
    # With --timeout -5 the dispatcher gave up at once on a delivery that went through,
    # recorded a failure and sent the message again later.
    world.assigned()
    slow_but_fine = threading.Event()

    class Slow(Recorder):
        def deliver(self, notification: Notification) -> None:
            slow_but_fine.wait(0.2)
            super().deliver(notification)

    channel = Slow()
    report = Dispatcher(
        world.ledger.store.outbox(), {"console": channel}, world.clock, timeout=5.0
    ).run_once()
    assert report.sent == tuple(channel.delivered)
    assert report.retried == report.dead == ()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--timeout", "-5"], "positive and shorter than the lease"),
        (["--timeout", "0"], "positive and shorter than the lease"),
        (["--timeout", "300"], "shorter than the lease (300 s)"),
        (["--timeout", "20", "--lease", "10"], "shorter than the lease (10 s)"),
        (["--lease", "-1"], "--lease"),
        (["--batch", "0"], "--batch"),
    ],
)
def test_govbiz_outbox_dispatch_refuses_a_bad_timeout_with_status_2(
    tmp_path: Path, options: list[str], message: str
) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(main, ["outbox", "dispatch", "--db", db, *options])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "ledger.db").exists()  # refused before anything was opened


def test_govbiz_outbox_dispatch_takes_a_lease(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    build_world(govbiz.open(db))
    result = CliRunner().invoke(main, ["outbox", "dispatch", "--db", db, "--lease", "60", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sent ")


def test_the_lease_is_renewed_before_each_delivery(world: World) -> None:
    for n in range(3):
        world.assigned(f"问题{n}")
    outbox = world.ledger.store.outbox()
    lease = timedelta(minutes=5)
    seen: list[datetime | None] = []

    class Watching(Recorder):
        def deliver(self, notification: Notification) -> None:
            [entry] = [e for e in outbox.entries(limit=100) if e.key == notification.key]
            seen.append(entry.claimed_until)
            world.clock.advance(timedelta(minutes=4))  # each delivery in time, the batch not
            super().deliver(notification)

    start = world.clock.now()
    report = Dispatcher(
        outbox, {"console": Watching()}, world.clock, batch=3, lease=lease, timeout=60
    ).run_once()
    assert len(report.sent) == 3
    # Each entry's lease runs a whole lease from the start of its own delivery.
    assert seen == [start + lease, start + timedelta(minutes=4) + lease, start + timedelta(minutes=8) + lease]


def test_a_ledger_from_before_the_claim_tokens_upgrades_and_dispatches(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    engine = sqlite_engine(parse_sqlite_url(f"sqlite:///{path}"))
    created = datetime(2025, 4, 1, tzinfo=UTC)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0005")
        outbox = sa.table("outbox", *(sa.column(c) for c in (
            "key", "county", "channel", "recipients", "subject", "body", "data", "status", "attempts",
            "created_at", "claimed_until", "claimed_by", "last_error",
        )))  # fmt: skip
        row = {"county": "430800", "channel": "console", "recipients": '["市自规局"]', "subject": "提醒",
               "body": "正文", "data": "{}", "status": "pending", "attempts": 0, "created_at": created,
               "claimed_by": "", "last_error": ""}  # fmt: skip
        conn.execute(sa.insert(outbox), [
            {**row, "key": "old:claimed", "claimed_until": created + timedelta(minutes=5), "claimed_by": "x"},
            {**row, "key": "old:free", "claimed_until": None},
        ])  # fmt: skip
    engine.dispose()
    store = open_sqlite(f"sqlite:///{path}")
    with store.reading() as conn:
        assert migrate.current_revision(conn) == migrate.head()
        assert "0006" in migrate.revisions()  # the claim tokens' revision, now followed by others
    assert {e.claim_token for e in store.outbox().entries(limit=10)} == {""}
    assert store.outbox().mark_sent("old:claimed", created, worker="old", token="") is False
    channel = Recorder()
    after_the_old_lease = ManualClock(created + timedelta(minutes=10))
    report = Dispatcher(store.outbox(), {"console": channel}, after_the_old_lease, timeout=5.0).run_once()
    assert sorted(report.sent) == ["old:claimed", "old:free"]
    assert {e.status for e in store.outbox().entries(limit=10)} == {OutboxStatus.SENT}
    store.close()
