"""`govbiz simulate` through click's runner: exit codes, JSON, files and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.ports.outbox import OutboxStatus


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_json_has_the_articles_figures(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--db", "memory://", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["figures"]["sessions"], data["figures"]["assigned"], data["figures"]["solved"]) == (
        7,
        59,
        39,
    )
    assert all(t["ok"] for t in data["targets"])


def test_the_summary_prints_tables_and_counts_the_notifications_by_kind(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--db", "memory://"])
    assert result.exit_code == 0, result.output
    assert "[通知" not in result.output  # one line per notification only with --verbose
    assert "通知 Notifications delivered" in result.output
    assert "交办通知 assigned" in result.output and "超期催办 overdue" in result.output
    # 243 reminders and notices, and the escalation ladder's 17 reminder letters (催办通知书).
    assert "催办通知书 reminder_letter" in result.output
    assert "by channel: console 260" in result.output
    assert "办结率 64.3% = 9/14" in result.output
    assert "办结率 75.0% = 9/12" in result.output
    assert "主要指标 Figures" in result.output


def test_verbose_prints_each_notification_the_library_delivered(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--db", "memory://", "--verbose"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[通知 -> ")]
    assert len(lines) == 260  # the console channel, once each (17 of them reminder letters)
    assert sum("【催办通知书】" in line for line in lines) == 17
    assert any(line.startswith("[通知 -> 市自规局] 【交办通知】") for line in lines)
    assert any("【超期催办】" in line and "督查室" in line for line in lines)
    assert "通知 Notifications delivered" in result.output


def test_quiet_silences_the_notifications(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--db", "memory://", "--quiet", "--verbose"])
    assert result.exit_code == 0, result.output
    assert "[通知" not in result.output
    assert "与原文核对 Article figures" in result.output


def test_out_writes_the_summary_and_the_sqlite_ledger(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(main, ["simulate", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["figures"]["assigned"] == 59
    assert (out / "ledger.db").stat().st_size > 0
    # On SQLite too, the library's dispatcher delivered everything the run queued.
    outbox = govbiz.open(f"sqlite:///{out / 'ledger.db'}").store.outbox()
    assert outbox.entries(OutboxStatus.PENDING) == [] and outbox.entries(OutboxStatus.DEAD) == []
    assert len(outbox.entries(OutboxStatus.SENT, limit=1000)) == sum(summary["run"]["notifications"].values())
    # The metrics reports, in every installed format, with each rate beside its definition.
    assert {p.suffix for p in out.glob("report.*")} >= {".md", ".json", ".csv", ".html"}
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "办结率" in markdown
    assert "64.3%" in markdown
    assert (out / "report.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    assert "http://" not in (out / "report.html").read_text(encoding="utf-8")
    again = runner.invoke(main, ["simulate", "--quiet", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_an_unknown_scenario_lists_the_known_ones(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--scenario", "atlantis", "--db", "memory://"])
    assert result.exit_code == 1
    assert "known scenarios: practice, zhangjiajie" in result.output


def test_a_bad_scenario_file_names_the_field(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "county.toml"
    path.write_text('name = "x"\ntitle = "x"\n', encoding="utf-8")
    result = runner.invoke(main, ["simulate", "--scenario", str(path), "--db", "memory://"])
    assert result.exit_code == 1
    assert "start" in result.output and "county.toml" in result.output


def test_years_past_the_calendar_fail_naming_the_year(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--years", "10", "--db", "memory://", "--quiet"])
    assert result.exit_code == 1
    assert "2032" in result.output


def test_an_unknown_channel_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--channel", "pigeon", "--db", "memory://"])
    assert result.exit_code == 2
    assert "console" in result.output


def test_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--help"])
    assert result.exit_code == 0
    for option in ("--scenario", "--db", "--seed", "--as-of", "--json", "--counties", "--years", "--quiet"):
        assert option in result.output


def test_out_is_created_when_a_db_is_given_too(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "new" / "run"  # does not exist yet
    db = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = runner.invoke(main, ["simulate", "--quiet", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["figures"]["assigned"] == 59
    assert not (out / "ledger.db").exists()  # the ledger went where --db said
