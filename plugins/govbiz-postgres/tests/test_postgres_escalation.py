"""The escalation ladder's reminder letter (催办通知书) is queued once per clock across processes."""

from __future__ import annotations

from datetime import datetime

from govbiz_postgres import open_postgres
from govbiz_postgres.store import PostgresStore

from govbiz.ledger import Ledger
from govbiz.notify.dispatcher import Dispatcher
from govbiz.notify.sweep import sweep
from govbiz.ports.outbox import OutboxStatus
from tests.conftest import BEIJING, build_world
from tests.notify.test_notify_outbox import Recorder


def test_two_processes_queue_one_letter_per_clock(pg_store: PostgresStore, pg_url: str) -> None:
    world = build_world(Ledger(pg_store))
    world.at("2025-04-01 10:00")
    problem = world.co_replied(world.signed())  # progress ends Friday 11 April 2025
    other_store = open_postgres(pg_url)  # another process: its own connections, the same database
    try:
        other = Ledger(other_store, clock=world.clock)
        as_of = datetime(2025, 4, 14, 8, 0, tzinfo=BEIJING)  # Monday, the working day after
        assert sweep(world.ledger, as_of).letters == 1
        assert sweep(other, as_of).letters == 0
        assert sweep(other, datetime(2025, 4, 15, 8, 0, tzinfo=BEIJING)).letters == 0
        letters = [e for e in other_store.outbox().entries(limit=1000) if e.key.startswith("escalation:")]
        key = f"escalation:{problem.id}:progress:2025-04-11:reminder_letter:console"
        assert [e.key for e in letters] == [key]
        # Sent and then purged with everything old, the letter's key stays: never a second letter.
        world.at("2025-04-15 09:00")
        Dispatcher(other_store.outbox(), {"console": Recorder()}, world.clock).run_until_idle()
        other_store.outbox().purge(OutboxStatus.SENT, datetime(2025, 5, 1, tzinfo=BEIJING))
        assert [e.key for e in other_store.outbox().entries(OutboxStatus.SENT)] == [key]
        assert sweep(world.ledger, datetime(2025, 4, 30, 8, 0, tzinfo=BEIJING)).letters == 0
    finally:
        other_store.close()
