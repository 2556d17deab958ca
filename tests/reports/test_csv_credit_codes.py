"""A credit code of digits only in a CSV export: LibreOffice shows it as a number, so the export warns.

LibreOffice (default CSV settings, as a clerk double-clicks the file) reads
914308009935630050 as 9.14308009935633E+17; the export says so and points
to xlsx, where the code is a text cell and stays 18 characters.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.clock import ManualClock, beijing
from govbiz.domain import Actor, Role
from govbiz.plugins import make_plugin_manager
from govbiz.reports import build_ledger_report
from govbiz.reports.csv_format import digit_only_codes
from tests.reports.real_clients import program, run

CITY = "430800"
DIGITS = "914308009935630050"  # valid: the check character happens to be a digit


def _ledger(url: str) -> None:
    clock = ManualClock(datetime(2026, 12, 3, 10, 0, tzinfo=beijing()))
    ledger = govbiz.open(url, clock=clock, plugin_manager=make_plugin_manager(load_entry_points=False))
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
    collector = Actor(id="tzb", role=Role.COLLECTOR, county=CITY)
    ledger.handle(admin, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    for name, code in (("张家界数字代码有限公司", DIGITS), ("张家界字母代码有限公司", "91430800MA4L00000K")):
        enterprise = ledger.handle(admin, c.RegisterEnterprise(county=CITY, name=name, credit_code=code))
        ledger.handle(
            collector,
            c.CollectProblem(
                enterprise_id=enterprise.id,
                title="用地报批",
                description="",
                category="融资",
                source="座谈会",
            ),
        )
    report = build_ledger_report(ledger, Actor(id="v", role=Role.VIEWER, county=CITY), as_of=clock.now())
    assert [code for _, code in digit_only_codes(report)] == [DIGITS]
    ledger.close()


def test_the_csv_export_warns_and_libreoffice_shows_why(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    _ledger(url)
    out = tmp_path / "台账.csv"
    done = CliRunner().invoke(main, ["export", "--db", url, "--county", CITY, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"1 credit code(s) are digits only (e.g. row 1: {DIGITS})" in done.output
    assert "--out FILE.xlsx" in done.output
    assert DIGITS in out.read_text("utf-8-sig")  # the file itself keeps the code exactly
    # What the warning is about: LibreOffice, default settings, turns it into a number.
    profile = (tmp_path / "lo").resolve().as_uri()
    run(
        [
            program("soffice", "libreoffice"),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--infilter=CSV:44,34,76",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ]
    )
    text = run([program("pdftotext"), "-layout", str(tmp_path / "台账.pdf"), "-"]).stdout
    assert re.search(r"9\.14308009935\d*E\+0?17", text), text  # 18 digits became a float
    assert DIGITS not in text
    assert "91430800MA4L00000K" in text
    xlsx = CliRunner().invoke(
        main, ["export", "--db", url, "--county", CITY, "--out", str(tmp_path / "a.md")]
    )
    assert "digits only" not in xlsx.output  # only CSV is affected
