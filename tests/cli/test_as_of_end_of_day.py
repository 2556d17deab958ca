"""A date given as the as-of instant means the end of that day (24时), in every command (issue 23).

`govbiz simulate --as-of 2023-11-15` counted the whole day while `govbiz
report --as-of 2023-11-15` stopped at its first instant, so the two differed
by one completed problem for the same date.  One helper
(`govbiz.cli.options.as_of_instant`, on `govbiz.clock.end_of_day`) now reads
every command's date.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from govbiz.cli import main
from govbiz.cli.options import as_of_instant
from govbiz.clock import beijing, end_of_day


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_a_date_is_the_end_of_that_day_and_an_instant_is_itself() -> None:
    assert (
        as_of_instant("2023-12-31")
        == end_of_day(date(2023, 12, 31))
        == datetime(2024, 1, 1, tzinfo=beijing())
    )
    assert as_of_instant("2023-12-31T17:30") == datetime(2023, 12, 31, 17, 30, tzinfo=beijing())
    assert as_of_instant("2023-12-31T17:30+00:00").utcoffset() is not None
    with pytest.raises(click.BadParameter, match="'31/12/2023' is not an ISO date or datetime"):
        as_of_instant("31/12/2023")


@pytest.mark.parametrize(
    "command", [("report",), ("export",), ("score",), ("remind",), ("calendar", "status"), ("simulate",)]
)
def test_every_command_taking_an_as_of_date_says_it_means_the_end_of_the_day(
    command: tuple[str, ...],
) -> None:
    status, output = run(*command, "--help")
    assert status == 0, output
    assert "end of that day" in " ".join(output.split())


def _figures(output: str) -> dict[str, int]:
    figures = json.loads(output)["overall"]["total"]["figures"]
    return {f["metric"]: len(f["numerator"]) for f in figures}


def test_simulate_and_report_agree_for_the_same_date(tmp_path: Path) -> None:
    out = tmp_path / "run"
    status, output = run("simulate", "--out", out, "--json", "--quiet")
    assert status == 0, output
    simulated = json.loads(output)
    day = simulated["as_of"]
    db = f"sqlite:///{out / 'ledger.db'}"
    status, output = run("report", "--db", db, "--county", "430800", "--as-of", day, "--format", "json")
    assert status == 0, output
    reported = _figures(output)
    for name in ("assigned", "completed", "in_progress", "solved", "overdue"):
        assert reported[name] == simulated["figures"][name], name
    # The start of the day is another instant: a problem completed on the day is not yet counted then.
    status, output = run(
        "report", "--db", db, "--county", "430800", "--as-of", f"{day}T00:00", "--format", "json"
    )
    assert status == 0, output
    assert _figures(output)["completed"] < reported["completed"]


def test_remind_as_of_today_is_later_than_now_and_says_to_leave_it_out() -> None:
    today = datetime.now(beijing()).date().isoformat()  # the real date: remind reads the real clock
    status, output = run("remind", "--db", "memory://", "--as-of", today)
    assert status == 2, output
    assert "later than now" in output and "for today leave --as-of out" in " ".join(output.split())
