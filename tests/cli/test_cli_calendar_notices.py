"""`govbiz calendar add-notice` and `govbiz calendar status`, as an administrator types them."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.ledger import Ledger
from govbiz.reports.report import build_metrics_report
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import BEIJING, build_world
from tests.ledger.test_holiday_notices import INVENTED_2027


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/ledger.db"
    govbiz.open(url).store.close()  # a ledger that exists: `calendar status --db` never creates one
    return url


@pytest.fixture
def notice_file(tmp_path: Path) -> Path:
    path = tmp_path / "2027.toml"
    path.write_text(INVENTED_2027, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_notice_keeps_it_and_rebases_the_ledgers_clocks(db: str, notice_file: Path) -> None:
    world = build_world(Ledger(open_sqlite(db)))
    world.at("2027-01-06 10:00")
    problem = world.co_replied(world.assigned())
    world.ledger.store.close()

    code, out, _ = _run("calendar", "add-notice", str(notice_file), "--db", db, "--as", "zhang.admin")
    assert code == 0, out
    assert "kept 国办发明电〔2026〕99号 for 2027 (published 2026-12-10), sha256 " in out
    assert "re-based 3 clock(s) of 1 problem(s): 1 moved, 1 kept the announced last day" in out
    assert f"  {problem.id} result: 2027-02-11 -> 2027-02-15" in out

    code, out, _ = _run("calendar", "add-notice", str(notice_file), "--db", db, "--json")
    assert code == 0
    again = json.loads(out)
    assert again["already_kept"] is True and again["rebased"] == []

    ledger = Ledger(open_sqlite(db))
    [kept] = ledger.holiday_notices()
    assert kept.added_by == "zhang.admin"
    assert kept.source == "2027.toml"


def test_status_lists_each_year_and_warns_from_october(db: str, notice_file: Path) -> None:
    code, out, err = _run("calendar", "status", "--db", db, "--as-of", "2026-10-01", "--json")
    assert code == 0, out
    before = json.loads(out)
    assert before["official_until"] == "2026-12-31"
    assert before["covered_until"] == "2031-12-31"
    by_year = {y["year"]: y for y in before["years"]}
    assert by_year[2026]["status"] == "official"
    assert by_year[2026]["notices"][-1] == {
        "number": "国办发明电〔2025〕7号", "published": "2025-11-04", "origin": "package"
    }
    assert by_year[2027] == {"year": 2027, "status": "provisional", "differs": False, "notices": [
        {"number": "暂按国务院令第795号推算", "published": "2024-11-10", "origin": "derived"}
    ]}
    assert "国务院2027年放假安排尚未录入" in before["warning"]
    assert "国务院2027年放假安排尚未录入" in err
    assert json.loads(_run("calendar", "status", "--db", db, "--as-of", "2026-09-30", "--json")[1])[
        "warning"
    ] is None

    _run("calendar", "add-notice", str(notice_file), "--db", db)
    code, out, err = _run("calendar", "status", "--db", db, "--as-of", "2026-12-20")
    assert code == 0
    assert "2027: official 国办发明电〔2026〕99号, published 2026-12-10 (ledger)" in out
    assert "2032: provisional 暂按法定节假日推算" in out
    assert "official notices through 2027-12-31; deadlines can be computed up to 2032-12-31" in out
    assert err == ""


def test_status_says_when_the_ledgers_notice_differs_from_the_packages(db: str, tmp_path: Path) -> None:
    shipped = resources.files("govbiz.calendar").joinpath("data", "2026.toml").read_text(encoding="utf-8")
    same = tmp_path / "2026.toml"
    same.write_text(shipped, encoding="utf-8")
    _run("calendar", "add-notice", str(same), "--db", db)
    years = {y["year"]: y for y in json.loads(_run("calendar", "status", "--db", db, "--json")[1])["years"]}
    assert years[2026]["differs"] is False
    # The same document number: the ledger's transcription replaces the package's whole.
    assert [n["origin"] for n in years[2026]["notices"]] == ["ledger"]

    changed = tmp_path / "2026-changed.toml"
    changed.write_text(shipped.replace("working = [2026-01-04]", "working = []"), encoding="utf-8")
    _run("calendar", "add-notice", str(changed), "--db", db)
    out = _run("calendar", "status", "--db", db)[1]
    line = "2026: official 国办发明电〔2025〕7号, published 2025-11-04 (ledger)"
    assert f"{line}  ! the ledger's notice differs from govbiz's own" in out
    assert _run("calendar", "day", "2026-01-04", "--db", db)[1].startswith("2026-01-04: 休息日 rest day")
    assert _run("calendar", "day", "2026-01-04")[1].startswith("2026-01-04: 工作日 working day")


def test_a_bad_notice_file_is_a_one_line_error_naming_the_file(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text(INVENTED_2027.replace("first = 2027-02-05", "first = 2027-02-06"), encoding="utf-8")
    code, out, err = _run("calendar", "add-notice", str(bad), "--db", db)
    assert code == 1
    assert "2027-02-05" in err and "春节（除夕）" in err and str(bad) in err
    assert "Traceback" not in out + err
    latin = tmp_path / "latin.toml"
    latin.write_bytes("name = 'é'".encode("latin-1"))
    code, _, err = _run("calendar", "add-notice", str(latin), "--db", db)
    assert code == 1 and "is not UTF-8 text" in err


def test_remind_and_the_report_say_that_next_years_notice_is_missing(db: str) -> None:
    world = build_world(Ledger(open_sqlite(db)))
    world.at("2026-11-16 10:00")
    world.signed()
    code, out, err = _run("remind", "--db", db, "--as-of", "2026-11-30T08:00")
    assert code == 0, out
    assert "国务院2027年放假安排尚未录入" in err
    report = build_metrics_report(world.ledger, world.viewer, as_of=datetime(2026, 11, 30, tzinfo=BEIJING))
    assert len(report.notes) == 1 and "2027年放假安排尚未录入" in report.notes[0]
    assert report.to_dict()["notes"] == list(report.notes)
    summer = build_metrics_report(world.ledger, world.viewer, as_of=datetime(2026, 6, 30, tzinfo=BEIJING))
    assert summer.notes == ()
