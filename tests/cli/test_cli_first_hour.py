"""Rough edges of the first hour (issue #20), each seen tried as a new user would.

A read-only command given a file that is not a ledger, or a county the
ledger does not hold, refused nothing and printed an empty report; a
mistyped division code was accepted by some commands and not others.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from tests.conftest import build_world

READERS = {
    "report": ["report", "--format", "json"],
    "export": ["export", "--format", "csv"],
    "verify": ["verify"],
}


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    build_world(govbiz.open(url)).assigned()
    return url


@pytest.mark.parametrize("args", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("content", ["empty", "other", "text"])
def test_a_file_that_is_not_a_ledger_is_refused_and_left_alone(
    tmp_path: Path, args: list[str], content: str
) -> None:
    path = tmp_path / "notes.db"
    if content == "other":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE notes (text TEXT)")
        connection.close()
    else:
        path.write_bytes(b"" if content == "empty" else b"not a database, a shopping list\n" * 10)
    before = path.read_bytes()
    result = CliRunner().invoke(main, [*args, "--db", f"sqlite:///{path}"])
    assert result.exit_code == 2, result.output
    assert "is not a govbiz ledger" in result.output
    assert path.read_bytes() == before  # nothing written into somebody else's file


@pytest.mark.parametrize("args", [READERS["report"], READERS["export"]], ids=["report", "export"])
def test_an_unregistered_county_is_refused_with_the_registered_ones(ledger_url: str, args: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, "--db", ledger_url, "--county", "999999"])
    assert result.exit_code == 2, result.output
    assert "county 999999 is not registered" in result.output
    assert "430800" in result.output
    registered = CliRunner().invoke(main, [*args, "--db", ledger_url, "--county", "430800"])
    assert registered.exit_code == 0, registered.output


BAD_COUNTY = {
    "calendar_day": ["calendar", "day", "2025-04-27"],
    "calendar_due": ["calendar", "due", "2025-04-27"],
    "report": ["report"],
    "export": ["export", "--format", "csv"],
    "remind": ["remind"],
    "county_show": ["county", "show"],
    "new_plugin": ["new-plugin", "demo"],
}


@pytest.mark.parametrize("args", BAD_COUNTY.values(), ids=BAD_COUNTY.keys())
@pytest.mark.parametrize("code", ["12345", "4308021", "43O802"])
def test_every_county_option_checks_the_division_code(args: list[str], code: str) -> None:
    result = CliRunner().invoke(main, [*args, "--county", code])
    assert result.exit_code == 2, result.output
    assert f"{code!r} is not a division code" in result.output


def test_export_refuses_to_write_a_spreadsheet_to_a_terminal(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import govbiz.cli.report

    monkeypatch.setattr(govbiz.cli.report, "stdout_is_terminal", lambda: True)
    refused = CliRunner().invoke(main, ["export", "--db", ledger_url])  # xlsx, the default
    assert refused.exit_code == 2, refused.output
    assert "give --out FILE.xlsx" in refused.output
    assert "PK" not in refused.output  # no zip bytes reached the terminal
    text = CliRunner().invoke(main, ["export", "--db", ledger_url, "--format", "csv"])
    assert text.exit_code == 0, text.output  # text formats still print
    assert "企业" in text.output
    monkeypatch.setattr(govbiz.cli.report, "stdout_is_terminal", lambda: False)
    piped = CliRunner().invoke(main, ["export", "--db", ledger_url])  # `govbiz export > ledger.xlsx`
    assert piped.exit_code == 0
    assert piped.stdout_bytes.startswith(b"PK")


def test_a_refused_import_prints_its_errors_as_json(tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert CliRunner().invoke(main, ["county", "setup", "--db", fresh, "--county", "430800"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "企业名称,统一社会信用代码,问题,问题类别,来源,收集日期\n"
        "乙公司,,问题二,土地规划,调研走访,not a date\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["import", str(bad), "--db", fresh, "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["source"], data["imported"], data["created"]) == ("bad.csv", False, [])
    # The empty credit code does not block the row (the enterprise would be 待核实); the date does.
    assert [(e["row"], e["letter"], e["column"], e["value"]) for e in data["errors"]] == [(2, "F", "收集日期", "not a date")]  # noqa: E501
    text = CliRunner().invoke(main, ["import", str(bad), "--db", fresh])
    assert "bad.csv：1 处错误，未导入任何内容" in text.output
    assert "problem(s)" not in text.output


def test_plugins_shows_every_hook_whole() -> None:
    listed = json.loads(CliRunner().invoke(main, ["plugins", "--json"]).output)
    result = CliRunner().invoke(main, ["plugins"], terminal_width=60)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for plugin in listed:
        assert f"{plugin['name']} {plugin['version']} ({plugin['source']})" in lines
        for hook in plugin["hooks"]:
            assert f"  {hook}" in lines  # on its own line, not cut to "govbiz_notification_…"
    assert "…" not in result.output


@pytest.mark.parametrize("command", ["report", "export"])
def test_an_out_suffix_no_format_writes_is_refused_and_nothing_is_written(
    ledger_url: str, tmp_path: Path, command: str
) -> None:
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(main, [command, "--db", ledger_url, "--county", "430800", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "no installed format writes .pdf files" in result.output
    assert "unknown format 'xlsx'" not in result.output
    assert not out.exists()


def test_a_known_suffix_whose_plugin_is_missing_names_the_plugin(
    ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govbiz import plugins

    formats = {name: fmt for name, fmt in plugins.report_formats().items() if fmt.suffix != ".xlsx"}
    monkeypatch.setattr(plugins, "report_formats", lambda *args, **kwargs: formats)
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(main, ["report", "--db", ledger_url, "--county", "430800", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "install the govbiz-xlsx plugin" in result.output
    assert not out.exists()
