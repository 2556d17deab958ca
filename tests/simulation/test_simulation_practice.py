"""The practice scenario: a county quarter under 12345 and 督查 rules, every count from the library."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

import pytest
from click.testing import CliRunner

from govbiz.cli import main
from govbiz.clock import beijing
from govbiz.domain.events import DomainEvent
from govbiz.errors import ValidationError
from govbiz.metrics import LedgerProblems
from govbiz.metrics.score import monthly_scores
from govbiz.ports.outbox import OutboxStatus
from govbiz.simulation import SimulationRun, known_scenarios, load_scenario, parse_scenario, run_simulation

SCENARIO = Path(__file__).parents[2] / "src/govbiz/simulation/scenarios/practice.toml"


def _run() -> SimulationRun:
    # Through govbiz.open: its ledger lays the county file the run applies (`govbiz county apply`).
    return run_simulation(load_scenario("practice"), url="memory://")


@pytest.fixture(scope="module")
def practice() -> SimulationRun:
    return _run()


def _events(run: SimulationRun, kind: str) -> list[DomainEvent]:
    with run.ledger.store.unit_of_work() as uow:
        return [e for e in uow.events(stream="problem") if e.kind == kind]


def test_the_practice_scenario_is_shipped_and_uses_the_countys_file() -> None:
    assert "practice" in known_scenarios()
    scenario = load_scenario("practice")
    assert scenario.county_file is not None and "[escalation]" in scenario.county_file
    assert scenario.score_months == ["2026-01", "2026-02"]


def test_the_countys_rules_are_in_force(practice: SimulationRun) -> None:
    policy = practice.ledger.policy(practice.main.code)
    assert policy.rule("verification").enabled  # 差评核实, from the scenario's county file
    assert policy.escalation.criticism_after_working_days == 5


def test_returns_are_decided_both_ways(practice: SimulationRun) -> None:
    decided = Counter(e.state_after for e in _events(practice, "decide_return"))
    assert decided == {"returned": 1, "assigned": 1}  # one accepted (then reassigned), one refused
    figures = practice.figures()["practice"]["returns"]
    assert figures == {
        "requested": len(_events(practice, "return")), "accepted": decided["returned"],
        "refused": decided["assigned"],
    }  # fmt: skip
    [reassigned] = _events(practice, "reassign")
    problem = practice.ledger.problem(practice.viewer(), reassigned.stream_id)
    assert problem.assignment is not None and problem.assignment.lead.endswith("-zjj")


def test_a_late_co_handler_was_reminded_and_lettered(practice: SimulationRun) -> None:
    figures = practice.figures()["practice"]["co_handling"]
    assert figures["replies"] == len(_events(practice, "report_co_handling"))
    assert figures["late"] == 1 and figures["reminded_problems"] == 1
    sent = practice.ledger.store.outbox().entries(OutboxStatus.SENT, limit=100_000)
    co = [e.notification for e in sent if e.notification.data.get("clock") == "co_handling"]
    assert {n.data["trigger"] for n in co} >= {"overdue", "reminder_letter"}
    assert all("县自然资源局（协办单位）" in n.body for n in co)


def test_unsatisfied_visits_are_verified_into_redo_or_explanation(practice: SimulationRun) -> None:
    verified = Counter(e.state_after for e in _events(practice, "verify"))
    opened = [e for e in _events(practice, "return_visit") if e.state_after == "verifying"]
    figures = practice.figures()["practice"]
    assert figures["verification"] == {"opened": len(opened), "redo": verified["redo"], "explained": 2}
    assert (len(opened), verified["redo"], verified["closed"]) == (3, 1, 2)
    assert figures["visits"]["非常不满意"] == 1


def test_one_appeal_is_granted_and_one_refused(practice: SimulationRun) -> None:
    decisions = Counter(bool(e.payload["granted"]) for e in _events(practice, "decide_appeal"))
    assert decisions == {True: 1, False: 1}
    assert practice.figures()["practice"]["appeals"] == {
        "requested": len(_events(practice, "appeal_rating")), "granted": 1, "refused": 1,
    }  # fmt: skip


def test_the_ladder_letters_once_per_clock_and_the_circular_criticises(practice: SimulationRun) -> None:
    sent = practice.ledger.store.outbox().entries(OutboxStatus.SENT, limit=100_000)
    letters = [e.notification.data for e in sent if e.notification.data["trigger"] == "reminder_letter"]
    assert len(letters) == len({(d["problem_id"], d["clock"], d["last_day"]) for d in letters}) > 0
    ladder = practice.figures()["practice"]["escalation"]
    assert ladder["reminder_letters"] == len(letters)
    [proposed] = ladder["criticisms"]
    assert proposed["department"] == "县交通运输局"
    circular = practice.ledger.record(practice.viewer(), "circular", proposed["circular"])
    assert "拟予书面通报批评" in circular.body and proposed["problem_id"] in circular.body
    # The department that reported after its letter, before the criticism day, is not proposed.
    assert "县文旅广体局 |" not in circular.body.split("、拟通报批评")[1].split("## ")[0]


def test_the_monthly_scores_are_the_librarys(practice: SimulationRun) -> None:
    county = practice.main.code
    calendar = practice.ledger.policy(county).calendar
    as_of = datetime.combine(date(2026, 2, 1), time(0), tzinfo=beijing())
    problems = LedgerProblems(practice.ledger, practice.viewer(), county=county).problems_as_of(as_of)
    board = monthly_scores(problems, county=county, month="2026-01", as_of=as_of, working_calendar=calendar)
    [january, february] = practice.figures()["practice"]["scores"]
    assert january["ranked"] == [(s.department, s.score) for s in board.ranked()]
    assert january["red_list"] == [s.department for s in board.red_list()]
    assert january["black_list"] == [s.department for s in board.black_list()]
    assert january["red_list"] and january["black_list"] and january["unranked"]  # 红黑榜, never on one case
    assert february["month"] == "2026-02"


def test_the_run_is_deterministic(practice: SimulationRun) -> None:
    again = _run()
    assert again.figures()["practice"] == practice.figures()["practice"]


def test_the_zhangjiajie_scenario_scores_no_month() -> None:
    assert load_scenario("zhangjiajie").score_months == []


def test_simulate_selects_the_scenario_and_summarises_the_practice() -> None:
    result = CliRunner().invoke(main, ["simulate", "--scenario", "practice", "--db", "memory://"])
    assert result.exit_code == 0, result.output
    for text in ("办理规则 Practice", "退单 returns (accepted / refused)", "2 (1 / 1)", "考核 Scores 2026-01",
                 "红榜 red", "黑榜 black", "拟通报批评"):  # fmt: skip
        assert text in result.output
    data = json.loads(CliRunner().invoke(main, ["simulate", "--scenario", "practice", "--json"]).output)
    assert data["practice"]["appeals"]["granted"] == 1


def test_a_bad_county_file_in_a_scenario_names_the_field() -> None:
    data = tomllib.loads(SCENARIO.read_text("utf-8"))
    data["county_file"] = '[[divisions]]\ncode = "430821"\nname = "慈利县"\n[escalation]\ncriticise = 5\n'
    with pytest.raises(ValidationError) as caught:
        parse_scenario(data)
    assert caught.value.field == "county_file"
    assert "escalation.criticise" in caught.value.reason


def test_a_step_must_name_a_known_department() -> None:
    data = tomllib.loads(SCENARIO.read_text("utf-8"))
    data["cases"][0]["steps"][0]["to"] = "nobody"
    with pytest.raises(ValidationError) as caught:
        parse_scenario(data)
    assert caught.value.field == "cases.0.steps.0.to"
