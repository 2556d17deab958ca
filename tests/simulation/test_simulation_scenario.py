"""The scenario file format: loading, and errors that name the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from govbiz.errors import ValidationError
from govbiz.simulation import known_scenarios, load_scenario, parse_scenario
from govbiz.simulation.names import credit_code, organisation_check


def _data() -> dict[str, object]:
    text = (Path(__file__).parents[2] / "src/govbiz/simulation/scenarios/zhangjiajie.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_the_shipped_scenario_loads_by_name() -> None:
    assert "zhangjiajie" in known_scenarios()
    scenario = load_scenario("zhangjiajie")
    assert scenario.division.code == "430800"
    assert sum(s.problems for s in scenario.sessions) == 59


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="zhangjiajie") as caught:
        load_scenario("atlantis")
    assert caught.value.field == "scenario"


def test_an_undefined_leader_is_named_by_its_path() -> None:
    data = _data()
    data["sessions"][2]["chair"] = "nobody"  # type: ignore[index]
    with pytest.raises(ValidationError) as caught:
        parse_scenario(data)
    assert caught.value.field == "sessions.2.chair"
    assert "nobody" in str(caught.value)


def test_targets_must_match_the_sessions() -> None:
    data = _data()
    data["targets"]["assigned"] = 60  # type: ignore[index]
    with pytest.raises(ValidationError) as caught:
        parse_scenario(data)
    assert caught.value.field == "targets.assigned"


def test_a_bad_value_in_a_file_names_the_field_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = (Path(__file__).parents[2] / "src/govbiz/simulation/scenarios/zhangjiajie.toml").read_text("utf-8")
    path.write_text(text.replace("returned = 0.05", "returned = 1.5"), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_scenario(path)
    assert caught.value.field == "behaviour.returned"
    assert "bad.toml" in str(caught.value)


def test_generated_credit_codes_carry_both_check_characters() -> None:
    import random

    code = credit_code("430800", random.Random(1))
    assert organisation_check(code[8:16]) == code[16]
    assert organisation_check("D2143569") == "X"  # GB 11714's worked example


def test_the_documented_example_scenario_runs() -> None:
    import re

    from govbiz.simulation import RunOptions
    from tests.simulation.conftest import simulate

    page = (Path(__file__).parents[2] / "docs/reference/scenario.md").read_text("utf-8")
    (text,) = re.findall(r"```toml\n(.*?)```", page, flags=re.DOTALL)
    scenario = parse_scenario(tomllib.loads(text), origin="docs/reference/scenario.md")
    run = simulate(RunOptions(), scenario=scenario)
    figures = run.figures()
    sessions = run.units[0].sessions
    assert [s.held_on.isoformat() for s in sessions] == [
        "2024-03-29",
        "2024-04-26",
        "2024-05-17",
        "2024-06-21",
    ]
    assert figures["figures"]["sessions"] == 4  # two listed, then the cadence's third Fridays
    assert figures["figures"]["assigned"] == sum(len(s.problems) for s in sessions)
    assert figures["targets"] == []
