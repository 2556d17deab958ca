"""Scaling up: generated cities and counties run with consistent counts and replayable problems."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from govbiz.domain import replay
from govbiz.errors import ValidationError
from govbiz.simulation import RunOptions, load_scenario
from tests.simulation.conftest import simulate


def test_two_cities_of_two_counties_for_four_months() -> None:
    run = simulate(RunOptions(cities=2, counties=2, as_of=date(2023, 7, 31)))
    assert [u.code for u in run.units] == ["430800", "430802", "430811", "430100", "430121", "430122"]
    assert [u.level for u in run.units] == ["city", "county", "county", "city", "county", "county"]
    data = run.figures()
    rows = {row["code"]: row for row in data["divisions"]}
    assert set(rows) == {"430800", "430100"}
    for city in ("430800", "430100"):
        viewer = run.viewer(city)
        problems = run.ledger.problems(viewer)
        assigned = [p for p in problems if p.assignment is not None]
        assert rows[city]["assigned"] == len(assigned) > 0
        assert rows[city]["counties"] == 2
        by_county = Counter(p.county for p in problems)
        planned = {u.code: u for u in run.units if city in (u.code, u.parent)}
        assert set(by_county) == set(planned)
        for problem in problems:
            assert replay(run.ledger.history(viewer, problem.id)) == problem
    commands = data["run"]["commands"]
    assert commands["AssignProblem"] == sum(r["assigned"] for r in rows.values())
    assert commands["CollectProblem"] >= commands["AssignProblem"]


def test_generated_divisions_have_their_own_names_departments_and_codes() -> None:
    run = simulate(RunOptions(cities=2, counties=1, as_of=date(2023, 5, 31)))
    county = run.units[-1]
    assert county.parent == "430100" and county.name.startswith("长沙")
    assert county.departments["zgj"].name == f"{county.name}自然资源和规划局"
    assert county.leaders["shuji"].title == "县委书记"
    enterprises = run.ledger.records(run.viewer(county.code), "enterprise")
    assert all(e.credit_code[2:8] == county.code for e in enterprises)


def test_a_range_past_the_calendar_is_refused_naming_the_year() -> None:
    with pytest.raises(ValidationError, match="2032") as caught:
        simulate(RunOptions(years=10))
    assert caught.value.field == "years"


def test_too_many_cities_is_refused() -> None:
    scenario = load_scenario("zhangjiajie")
    with pytest.raises(ValidationError) as caught:
        simulate(RunOptions(cities=len(scenario.scale.cities) + 2))
    assert caught.value.field == "cities"
