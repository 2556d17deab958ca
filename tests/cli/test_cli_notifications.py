"""`govbiz remind` and `govbiz outbox` on a SQLite ledger, as cron and a clerk would use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from tests.conftest import build_world


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    world = build_world(govbiz.open(url))
    world.co_replied(world.signed())  # progress due 2025-04-10; the co-handler has replied
    return url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_remind_is_idempotent_per_day(db: str) -> None:
    code, out = run("remind", "--db", db, "--as-of", "2025-04-11T08:00", "--json")
    assert code == 0, out
    assert json.loads(out)["by_level"] == {"overdue": 1}
    # The daily 催办 and, the working day after the last day (10 April), the letter (催办通知书).
    assert (json.loads(out)["queued"], json.loads(out)["reminder_letters"]) == (2, 1)
    code, out = run("remind", "--db", db, "--as-of", "2025-04-11T18:00", "--json")
    assert (json.loads(out)["queued"], json.loads(out)["already_queued"]) == (0, 2)
    code, out = run("remind", "--db", db, "--as-of", "2025-04-14T08:00")
    assert code == 0
    assert "queued 1, already queued 1" in out  # a new day's 催办; the letter went once per clock


def test_outbox_list_dispatch_retry_and_purge(db: str) -> None:
    run("remind", "--db", db, "--as-of", "2025-04-11T08:00")
    code, out = run("outbox", "list", "--db", db, "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert sorted(e["subject"][:6] for e in listed) == ["【交办通知】", "【催办通知书", "【超期催办】"]
    assert all(e["status"] == "pending" for e in listed)
    code, out = run("outbox", "dispatch", "--db", db)
    assert code == 0, out
    assert "sent 3, to retry 0, dead 0" in out
    assert "【超期催办】" in out  # the console channel printed it
    code, out = run("outbox", "list", "--db", db, "--status", "sent", "--json")
    assert len(json.loads(out)) == 3
    code, out = run("outbox", "retry", "--db", db)
    assert code != 0
    assert "--all-dead" in out
    code, out = run("outbox", "purge", "--db", db, "--before", "2099-01-01")
    assert "purged 1 sent entry" in out  # the reminder queued today is kept (it dedupes today's sweep)
    code, out = run("outbox", "list", "--db", db, "--status", "sent", "--json")
    assert sorted(e["key"].split(":")[0] for e in json.loads(out)) == ["escalation", "sweep"]


def test_a_bad_as_of_is_a_clear_error(db: str) -> None:
    code, out = run("remind", "--db", db, "--as-of", "yesterday")
    assert code == 2
    assert "not an ISO date" in out
