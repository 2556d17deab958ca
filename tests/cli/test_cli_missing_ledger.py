"""Read-only commands refuse a ledger that does not exist, instead of creating an empty one.

`govbiz verify --db sqlite:///typo.db` created an empty ledger and reported
it intact.  Each command that only reads stops with exit status 2, names the
path, and leaves no file behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from tests.conftest import build_world

READ_ONLY = {
    "verify": ["verify"],
    "verify_json": ["verify", "--json"],
    "report": ["report", "--county", "430800", "--format", "json"],
    "export": ["export", "--county", "430800", "--format", "csv"],
    "outbox_list": ["outbox", "list"],
    "calendar_status": ["calendar", "status"],
    # Not read-only, but an outbox exists only in a ledger: a mistyped path must not create an empty one.
    "outbox_dispatch": ["outbox", "dispatch"],
    "outbox_retry": ["outbox", "retry", "--all-dead"],
    "outbox_purge": ["outbox", "purge", "--before", "2025-01-01"],
}


@pytest.mark.parametrize("args", READ_ONLY.values(), ids=READ_ONLY.keys())
def test_a_read_only_command_refuses_a_mistyped_ledger_path(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "tpyo.db"
    result = CliRunner().invoke(main, [*args, "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 2, result.output
    assert f"no ledger at {missing}" in result.output
    assert "intact" not in result.output
    assert not missing.exists()


def test_the_path_from_the_environment_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(govbiz.URL_ENV, "sqlite:///ledgre.db")
    result = CliRunner().invoke(main, ["verify"])
    assert (result.exit_code, "no ledger at ledgre.db" in result.output) == (2, True)
    monkeypatch.delenv(govbiz.URL_ENV)
    result = CliRunner().invoke(main, ["verify"])  # the default, govbiz.db here, does not exist either
    assert (result.exit_code, "no ledger at govbiz.db" in result.output) == (2, True)
    assert list(tmp_path.iterdir()) == []


def test_an_import_dry_run_refuses_a_missing_ledger_and_a_real_import_may_create_one(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("企业名称,统一社会信用代码,问题,问题类别,来源,收集日期\n", encoding="utf-8")
    missing = tmp_path / "new.db"
    dry = CliRunner().invoke(
        main, ["import", str(rows), "--db", f"sqlite:///{missing}", "--county", "430800", "--dry-run"]
    )
    assert dry.exit_code == 2, dry.output
    assert not missing.exists()


def test_an_existing_ledger_is_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    build_world(govbiz.open(f"sqlite:///{path}")).assigned()
    result = CliRunner().invoke(main, ["verify", "--db", f"sqlite:///{path}"])
    assert result.exit_code == 3, result.output  # intact, but no public key: unanchored (its own status)
    assert "audit chain intact" in result.output
    listed = CliRunner().invoke(main, ["outbox", "list", "--db", f"sqlite:///{path}", "--json"])
    assert listed.exit_code == 0, listed.output


def test_a_malformed_sqlite_url_is_a_bad_parameter(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["verify", "--db", "sqlite:/relative.db"])
    assert result.exit_code == 2
    assert "unknown sqlite URL form" in result.output
