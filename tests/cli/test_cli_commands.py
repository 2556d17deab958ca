"""The `govbiz` command: plugins, calendar and verify, through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import attrs
import pytest
from click.testing import CliRunner

from govbiz import commands as c
from govbiz.audit import verify
from govbiz.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_help_lists_every_builtin_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("calendar", "plugins", "verify"):
        assert name in result.output


def test_plugins_as_json(runner: CliRunner) -> None:
    result = runner.invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.output)}
    assert listed["govbiz.builtin.memory"]["hooks"] == ["govbiz_storage"]
    assert listed["govbiz.builtin.memory"]["source"] == "built-in"


def test_calendar_day_explains_an_adjusted_working_day(runner: CliRunner) -> None:
    result = runner.invoke(main, ["calendar", "day", "2025-09-28", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "day": "2025-09-28",
        "working": True,
        "kind": "adjusted_working_day",
        "holiday": "国庆节、中秋节",
        "notice": "国办发明电〔2024〕12号",
        "provisional": False,
    }


def test_calendar_due_matches_the_issue_example(runner: CliRunner) -> None:
    result = runner.invoke(main, ["calendar", "due", "2025-09-26T10:00", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["last_day"] == "2025-10-13"
    assert data["cutoff"] == "2025-10-14T00:00:00+08:00"
    assert "第7个工作日" in data["explanation"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calendar", "day", "2032-01-05"], "no holiday arrangement for 2032"),
        (["calendar", "day", "05/01/2025"], "not an ISO date"),
        (["calendar", "due", "2025-09-26", "--clock", "lunch"], "unknown clock"),
    ],
)
def test_bad_input_is_a_clear_error_with_a_nonzero_exit(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_verify_reports_an_intact_chain_and_then_a_tampered_one(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import build_world

    world = build_world()
    problem = world.signed()
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="进展"))
    with world.ledger.store.unit_of_work() as uow:
        events = uow.events()
    assert verify(events) == []
    # Tamper with the stored log of the in-memory store the command will open.
    import govbiz

    monkeypatch.setattr(govbiz, "open", lambda url=None, **kw: world.ledger)
    result = runner.invoke(main, ["verify", "--db", "memory://", "--json"])
    assert result.exit_code == 3, result.output  # intact, but no public key: the trail is unanchored
    assert json.loads(result.output)["intact"] is True
    assert json.loads(result.output)["anchored"] is False
    stored = world.ledger.store._state.events  # type: ignore[attr-defined]
    index = next(i for i, e in enumerate(stored) if e.kind == "assign")
    stored[index] = attrs.evolve(stored[index], payload={**stored[index].payload, "lead": "430800-zjj"})
    result = runner.invoke(main, ["verify", "--db", "memory://"])
    assert result.exit_code == 1
    assert f"problem {problem.id} v4: edited" in result.output


def test_python_dash_m_govbiz_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "govbiz", "calendar", "day", str(date(2025, 10, 1))],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=60,
    )
    assert "休息日 rest day" in result.stdout
    assert "国庆节" in result.stdout


def test_county_show_lists_the_installed_profile(runner: CliRunner) -> None:
    result = runner.invoke(main, ["county", "show", "--county", "430800", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["name"] == "张家界市"
    assert {"code": "430800-zgj", "name": "张家界市自然资源和规划局", "short_name": "市自规局"} in data[
        "departments"
    ]
    assert data["clocks"][1] == {"clock": "progress", "rule": "7个工作日内报送落实情况", "enabled": True}


def test_county_setup_is_idempotent(runner: CliRunner, tmp_path: object) -> None:
    result = runner.invoke(main, ["county", "setup", "--county", "430800", "--db", "memory://"])
    assert result.exit_code == 0, result.output
    assert "registered 1 division(s) and 16 department(s)" in result.output
