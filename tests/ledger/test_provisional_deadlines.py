"""Assignments keep working across the year: deadlines counted through a year without a notice.

On 2 December 2026 the State Council had published no arrangement for 2027,
yet a 30-day result clock started that day ends in January 2027.  These
tests assign on the days the issue names and check that each deadline says
it is provisional, everywhere a person or a program reads it.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner

from govbiz import commands as c
from govbiz.cli import main
from govbiz.clock import ManualClock, SystemClock
from govbiz.deadlines import DeadlinePolicy
from govbiz.records import to_record
from tests.conftest import BEIJING, ROOT_README, World


@pytest.mark.parametrize(
    ("assigned_on", "progress_last_day", "result_last_day", "provisional_clocks"),
    [
        # 7 working days stay in 2026; the 30-day result ends on 1 January 2027 (元旦, a statutory
        # day) and moves to Monday 4 January.
        ("2026-12-02", "2026-12-11", "2027-01-04", {"result"}),
        ("2026-12-28", "2027-01-07", "2027-01-27", {"progress", "result"}),
        ("2027-01-01", "2027-01-12", "2027-02-01", {"sign", "progress", "result", "co_handling"}),
        # The 30th day is 除夕, Friday 5 February; the Spring Festival and its make-up days run to
        # Wednesday 10 February, so the last day is Thursday 11 February.
        ("2027-01-06", "2027-01-15", "2027-02-11", {"sign", "progress", "result", "co_handling"}),
    ],
)
def test_assignments_across_the_new_year_succeed_with_provisional_deadlines(
    world: World, assigned_on: str, progress_last_day: str, result_last_day: str, provisional_clocks: set[str]
) -> None:
    world.at(f"{assigned_on} 10:00")
    problem = world.assigned()
    assert problem.assignment is not None
    dues = {d.clock: d for d in problem.assignment.deadlines}
    assert dues["progress"].last_day == date.fromisoformat(progress_last_day)
    assert dues["result"].last_day == date.fromisoformat(result_last_day)
    assert {clock for clock, due in dues.items() if due.provisional} == provisional_clocks
    assert all(due.provisional_years == (2027,) for due in dues.values() if due.provisional)


def test_a_provisional_deadline_says_so_in_the_event_the_record_and_the_explanation(world: World) -> None:
    world.at("2027-01-06 10:00")
    problem = world.assigned()
    assign = world.ledger.history(world.collector, problem.id)[-1]
    [result] = [d for d in assign.payload["deadlines"] if d["clock"] == "result"]
    assert result["provisional"] is True
    assert result["provisional_years"] == [2027]
    record = to_record(problem).model_dump(mode="json")
    [result_record] = [d for d in record["assignment"]["deadlines"] if d["clock"] == "result"]
    assert (result_record["provisional"], result_record["provisional_years"]) == (True, [2027])
    policy = world.ledger.profile(problem.county).policy()
    explanation = policy.deadline("result", problem.assignment.assigned_at).explain()  # type: ignore[union-attr]
    assert "暂定：国务院尚未发布2027年放假安排" in explanation
    assert "2027-02-06 至 2027-02-10 节假日放假（春节，暂按国务院令第795号推算） —— 仍为休息日" in explanation
    english = policy.deadline("result", problem.assignment.assigned_at).explain("en")  # type: ignore[union-attr]
    assert "Provisional: the State Council has not yet published its holiday arrangement for 2027" in english


def test_a_deadline_on_published_days_only_is_not_provisional(world: World) -> None:
    world.at("2026-11-02 10:00")  # 30 days end on 2 December 2026
    problem = world.assigned()
    assert problem.assignment is not None
    assert not any(d.provisional for d in problem.assignment.deadlines)
    assign = world.ledger.history(world.collector, problem.id)[-1]
    assert all("provisional" not in d for d in assign.payload["deadlines"])  # the payload keeps its form


def test_the_department_is_told_that_its_last_day_is_provisional(world: World) -> None:
    world.at("2027-01-06 10:00")
    problem = world.assigned()
    entries = world.ledger.store.outbox().entries(limit=100)
    [notice] = [e for e in entries if e.key.startswith(f"problem:{problem.id}:") and ":assigned:" in e.key]
    body = notice.notification.body
    note = "（暂按法定节假日推算，国务院2027年放假安排发布后复核）"
    assert f"最后一日 2027-02-11（2027-02-12 00:00 起为逾期）{note}" in body
    # The progress clock (15 January) went through 1 January, a provisional statutory day, too.
    assert "最后一日 2027-01-15（2027-01-16 00:00 起为逾期）（暂按法定节假日推算" in body


def test_a_fixed_last_day_is_a_date_not_a_count(world: World) -> None:
    world.at("2026-12-28 10:00")
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    assigned = world.ledger.handle(
        world.chair,
        c.AssignProblem(problem_id=problem.id, lead="430800-zgj", deadlines={"result": date(2027, 2, 26)}),
    )
    result = assigned.assignment.deadline("result")
    assert (result.last_day, result.basis, result.provisional) == (date(2027, 2, 26), "现场明确", False)


def test_calendar_due_json_says_provisional() -> None:
    result = CliRunner().invoke(main, ["calendar", "due", "2027-01-06T10:00", "--clock", "result", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["last_day"] == "2027-02-11"
    assert data["provisional"] is True
    assert data["provisional_years"] == [2027]
    published = json.loads(
        CliRunner().invoke(main, ["calendar", "due", "2026-06-01", "--clock", "result", "--json"]).output
    )
    assert published["provisional"] is False


def test_calendar_day_says_a_day_is_provisional() -> None:
    result = CliRunner().invoke(main, ["calendar", "day", "2027-02-09"])
    assert result.exit_code == 0, result.output
    assert "休息日 rest day" in result.output
    assert "暂定：国务院尚未发布2027年放假安排" in result.output
    data = json.loads(CliRunner().invoke(main, ["calendar", "day", "2027-02-09", "--json"]).output)
    assert (data["working"], data["provisional"]) == (False, True)


def _every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_every_clock_can_be_started_on_every_day_of_2026_to_2030() -> None:
    policy = DeadlinePolicy.default()
    for day in _every_day(date(2026, 1, 1), date(2030, 12, 31)):
        start = datetime(day.year, day.month, day.day, 10, tzinfo=BEIJING)
        dues = policy.due_dates(start)
        assert len(dues) == 3
        assert policy.deadline("return_visit", start).last_day > day


def _readme_example() -> str:
    text = ROOT_README.read_text(encoding="utf-8")
    [block] = re.findall(r"```python\n(.*?)```", text[text.index("## In a county system"):], re.S)
    return block


def test_the_readme_example_runs_on_the_real_clock_today(capsys: pytest.CaptureFixture[str]) -> None:
    code = _readme_example().replace(
        'clock = ManualClock(datetime(2025, 9, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))', "clock = None"
    )
    assert "clock = None" in code
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    printed = date.fromisoformat(capsys.readouterr().out.strip())
    assert printed > SystemClock().now().date()


@pytest.mark.parametrize("year", range(2026, 2031))
def test_the_readme_example_runs_on_the_awkward_days_of_each_year(
    year: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # The turn of the year and the Spring Festival weeks, when a notice is most likely missing.
    days = [*_every_day(date(year, 12, 20), date(year, 12, 31)), date(year, 1, 2), date(year, 2, 10)]
    for day in days:
        clock = ManualClock(datetime(day.year, day.month, day.day, 10, tzinfo=BEIJING))
        code = _readme_example().replace(
            'clock = ManualClock(datetime(2025, 9, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))',
            "clock = _clock",
        )
        exec(compile(code, "README.md", "exec"), {"__name__": "readme", "_clock": clock})
        assert date.fromisoformat(capsys.readouterr().out.strip()) > day
