"""The outbox's bookkeeping as a clerk reads it (issue #20).

Sent entries showed 0 attempts, a sweep run `--as-of` a past day dated its
entries that day, `outbox list --json` printed UTC where every other command
prints Beijing time, and `outbox purge` forgot today's reminders so that the
next `govbiz remind` the same day queued them again.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.clock import beijing
from tests.conftest import build_world

AS_OF = "2025-04-11T08:00"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    world = build_world(govbiz.open(url))
    world.co_replied(world.signed())  # progress due 2025-04-10: overdue on the 11th
    return url


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def listed(db: str) -> list[dict[str, object]]:
    return json.loads(run("outbox", "list", "--db", db, "--json"))  # type: ignore[no-any-return]


def test_a_sent_entry_counts_the_attempt_that_delivered_it(db: str) -> None:
    run("remind", "--db", db, "--as-of", AS_OF)
    assert {e["attempts"] for e in listed(db)} == {0}
    assert "sent 3" in run("outbox", "dispatch", "--db", db)  # with the reminder letter (催办通知书)
    assert [(e["status"], e["attempts"]) for e in listed(db)] == [("sent", 1)] * 3


def test_a_past_days_sweep_dates_its_entries_when_queued_and_keeps_its_day(db: str) -> None:
    before = datetime.now(beijing())
    run("remind", "--db", db, "--as-of", AS_OF)
    [reminder] = [e for e in govbiz.open(db).store.outbox().entries() if e.key.startswith("sweep:")]
    assert reminder.created_at >= before.replace(microsecond=0)  # the real time, not 2025-04-11
    assert reminder.notification.data["as_of"] == "2025-04-11T08:00:00+08:00"
    assert reminder.next_attempt_at == datetime(2025, 4, 11, 8, tzinfo=beijing())


def test_outbox_list_prints_beijing_time_with_its_offset(db: str) -> None:
    run("remind", "--db", db, "--as-of", AS_OF)
    run("outbox", "dispatch", "--db", db)
    for entry in listed(db):
        for field in ("created_at", "next_attempt_at", "sent_at"):
            assert str(entry[field]).endswith("+08:00"), (field, entry[field])


def test_purge_then_remind_queues_nothing_new_the_same_day(db: str) -> None:
    first = json.loads(run("remind", "--db", db, "--as-of", AS_OF, "--json"))
    assert (first["queued"], first["reminder_letters"]) == (2, 1)
    run("outbox", "dispatch", "--db", db)
    purged = run("outbox", "purge", "--db", db, "--before", "2099-01-01")
    assert "purged 1 sent entry" in purged  # the assignment notice of 2025; today's reminder stays
    assert "are kept" in purged
    again = json.loads(run("remind", "--db", db, "--as-of", AS_OF, "--json"))
    assert (again["queued"], again["already_queued"]) == (0, 2)
    assert "sent 0" in run("outbox", "dispatch", "--db", db)
