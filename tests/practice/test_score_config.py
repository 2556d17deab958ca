"""考核办法 from the county file: `[score]` validated with file/line/key, and used by `govbiz score`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govbiz
from govbiz.cli import main
from govbiz.config import ConfigFileError, parse_county_file
from govbiz.config.apply import apply_county_file
from govbiz.config.kept import kept_answers
from govbiz.errors import ValidationError
from govbiz.metrics.score import DEFAULT_INDICATORS, ScorePolicy
from govbiz.metrics.score_config import score_policy_from_dict
from govbiz.plugins import explain_county_profile
from govbiz.profile import ProfilePart
from tests.conftest import CITY, build_world
from tests.practice.test_scores import april

FILE = """\
[[divisions]]
code = "430800"
name = "张家界市"

[score]
min_assigned = 5
lasting_rule_cap = 4

[score.indicators.satisfaction]
weight = 40

[score.indicators.completed_on_time]
weight = 15
"""


def test_the_defaults_weigh_100_and_are_documented() -> None:
    policy = ScorePolicy()
    assert policy.total_weight == 100.0 and policy.min_assigned == 3
    assert [i.name for i in DEFAULT_INDICATORS] == [
        "signed_on_time", "refused_return", "feedback_on_time", "completed_on_time", "satisfaction", "redo",
    ]  # fmt: skip
    assert score_policy_from_dict({}) == policy


def test_a_score_table_changes_only_what_it_names() -> None:
    file = parse_county_file(FILE, "zjj.toml")
    policy = score_policy_from_dict(file.score or {})
    weights = {i.name: i.weight for i in policy.indicators}
    assert weights == {
        "signed_on_time": 10, "refused_return": 5, "feedback_on_time": 20, "completed_on_time": 15,
        "satisfaction": 40, "redo": 10,
    }  # fmt: skip
    assert (policy.min_assigned, policy.lasting_rule_cap, policy.board_size) == (5, 4.0, 3)


def test_a_weight_of_zero_leaves_the_indicator_out() -> None:
    policy = score_policy_from_dict(
        {"indicators": {"redo": {"weight": 0}, "satisfaction": {"weight": 35, "label": "企业满意率"}}}
    )
    assert "redo" not in [i.name for i in policy.indicators]
    assert next(i for i in policy.indicators if i.name == "satisfaction").label_zh == "企业满意率"


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (FILE.replace("weight = 40", "weight = 45"), 9, "score.indicators", "add up to 100"),
        (FILE.replace("satisfaction]", "speed]"), 9, "score.indicators.speed", "signed_on_time"),
        (FILE.replace("min_assigned = 5", "min_assigned = 0"), 6, "score.min_assigned", "at least 1"),
        (FILE.replace("min_assigned = 5", "minimum = 5"), 6, "score.minimum", "not a setting"),
        (FILE.replace("weight = 40", "weight = -4"), 10, "score.indicators.satisfaction.weight", "0 or more"),
        (FILE.replace("weight = 40", "wieght = 40"), 10, "score.indicators.satisfaction.wieght", "weight"),
    ],
)  # fmt: skip
def test_a_bad_score_table_names_the_file_the_line_and_the_key(
    text: str, line: int, key: str, words: str
) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_county_file(text, "zjj.toml")
    error = caught.value
    assert (error.file, error.line, error.key) == ("zjj.toml", line, key)
    assert words in str(error)


def test_a_bad_table_outside_a_file_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        score_policy_from_dict({"indicators": []})
    assert caught.value.field == "indicators"


def test_govbiz_score_uses_the_county_policy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    world = build_world(govbiz.open(url))
    april(world)
    runner = CliRunner()
    before = json.loads(runner.invoke(main, ["score", "--db", url, "--county", CITY, "--month", "2025-04",
                                             "--json"]).output)  # fmt: skip
    assert before["red_list"] == ["430800-zgj"] and before["min_assigned"] == 3
    apply_county_file(world.ledger, parse_county_file(FILE, "zjj.toml"))
    with govbiz.open(url) as ledger:
        assert ledger.profile(CITY).scores().min_assigned == 5
        layered = explain_county_profile(CITY, files=kept_answers(ledger.store, CITY))
        assert layered.origin(ProfilePart.SCORE_POLICY).source == "zjj.toml"  # what `county show` prints
    result = runner.invoke(main, ["score", "--db", url, "--county", CITY, "--month", "2025-04", "--json"])
    assert result.exit_code == 0, result.output
    after = json.loads(result.output)
    # Five problems now put a department on the boards: 市自规局's three do not.
    assert after["min_assigned"] == 5 and after["red_list"] == [] and "430800-zgj" in after["unranked"]
    [zgj] = [s for s in after["scores"] if s["department"] == "430800-zgj"]
    satisfaction = next(line for line in zgj["lines"] if line["label"] == "满意率")
    assert satisfaction["detail"] == "1/2 = 50.0%，权重40" and satisfaction["points"] == 20.0
