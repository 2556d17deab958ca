"""`govbiz audit` and `govbiz verify` with keys: anchored, unanchored, tampered, exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from govbiz.cli import main
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.testing.contract import build_scenario


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("GOVBIZ_CHECKPOINT_KEY", "GOVBIZ_CHECKPOINT_PUBLIC_KEY", "GOVBIZ_DB"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_sqlite(url)
    build_scenario(store)
    store.close()
    return url


def ledger_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def keys(runner: CliRunner, tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "checkpoint.pem", tmp_path / "checkpoint.pub.pem"
    result = runner.invoke(main, ["audit", "keygen", "--private", str(private), "--public", str(public)])
    assert result.exit_code == 0, result.output
    assert private.stat().st_mode & 0o077 == 0  # the private key is its owner's only
    again = runner.invoke(main, ["audit", "keygen", "--private", str(private), "--public", str(public)])
    assert again.exit_code != 0
    assert "never overwritten" in again.output
    return private, public


def test_verify_without_a_key_says_unanchored_with_its_own_status(runner: CliRunner, ledger: str) -> None:
    result = runner.invoke(main, ["verify", "--db", ledger])
    assert result.exit_code == 3, result.output
    assert "audit chain intact" in result.output
    assert "unanchored" in result.output


def test_a_checkpointed_ledger_verifies_anchored_and_then_a_rewrite_is_found(
    runner: CliRunner, ledger: str, keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = keys
    result = runner.invoke(main, ["audit", "checkpoint", "--db", ledger, "--key", str(private)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("checkpoint 1:")
    monkeypatch.setenv("GOVBIZ_CHECKPOINT_PUBLIC_KEY", str(public))  # from configuration, never the database
    result = runner.invoke(main, ["verify", "--db", ledger, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["intact"], report["anchored"], report["checkpoints"]) == (True, True, 1)
    # Delete every checkpoint: with a key configured, a ledger without one is a finding.
    store = open_sqlite(ledger)
    with store.writing() as conn:
        conn.execute(sa.delete(t.checkpoints))
    store.close()
    result = runner.invoke(main, ["verify", "--db", ledger])
    assert result.exit_code == 1
    assert "checkpoint_missing" in result.output


def test_an_export_is_verified_on_its_own_and_a_forged_line_is_found(
    runner: CliRunner, ledger: str, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keys
    export = tmp_path / "checkpoints.jsonl"
    for _ in range(2):
        made = runner.invoke(main, ["audit", "checkpoint", "--db", ledger, "--key", str(private)])
        assert made.exit_code == 0, made.output
        result = runner.invoke(main, ["audit", "export", "--db", ledger, "--out", str(export)])
        assert result.exit_code == 0, result.output
    assert "1 checkpoints appended" in result.output  # the second export appends only the new one
    assert len(export.read_text(encoding="utf-8").splitlines()) == 2
    result = runner.invoke(main, ["audit", "verify-export", str(export), "--public-key", str(public)])
    assert result.exit_code == 0, result.output
    assert "2 checkpoints verified" in result.output
    anchored_by_file = ["--public-key", str(public), "--checkpoints", str(export)]
    result = runner.invoke(main, ["verify", "--db", ledger, *anchored_by_file])
    assert result.exit_code == 0, result.output
    first, second = export.read_text(encoding="utf-8").splitlines()
    line = json.loads(first)
    line["checkpoint"]["heads"] = line["checkpoint"]["heads"][1:]  # an auditor's copy edited
    export.write_text(json.dumps(line) + "\n" + second + "\n", encoding="utf-8")
    result = runner.invoke(main, ["audit", "verify-export", str(export), "--public-key", str(public)])
    assert result.exit_code == 1
    assert "bad_signature" in result.output


def test_checkpoint_without_a_key_and_a_bad_key_file_are_plain_errors(
    runner: CliRunner, ledger: str, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["audit", "checkpoint", "--db", ledger])
    assert result.exit_code == 1
    assert "GOVBIZ_CHECKPOINT_KEY" in result.output
    result = runner.invoke(main, ["verify", "--db", ledger, "--checkpoints", str(ledger_file(ledger))])
    assert result.exit_code == 2
    assert "--checkpoints needs --public-key" in result.output
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key", encoding="utf-8")
    result = runner.invoke(main, ["verify", "--db", ledger, "--public-key", str(junk)])
    assert result.exit_code == 1
    assert "not a PEM key" in result.output
    assert "Traceback" not in result.output
