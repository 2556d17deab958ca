"""考核: monthly scores per department, each point explained by its problems, and the 红黑榜."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

import govbiz
from govbiz import commands as c
from govbiz.cli import main
from govbiz.errors import ValidationError
from govbiz.metrics.score import ScorePolicy, month_bounds, monthly_scores
from tests.conftest import CITY, World, build_world


def april(world: World) -> dict[str, str]:
    """Three problems for 市自规局 and one for 市住建局, all assigned in April 2025."""
    world.at("2025-04-01 10:00")
    good = world.co_replied(world.signed("按时办好"))
    redone = world.co_replied(world.signed("重办的问题"))
    refused = world.assigned("退单未获同意")
    world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=refused.id, reason="非本部门"))
    world.ledger.handle(world.secretariat, c.DecideReturn(problem_id=refused.id, accept=False))
    world.ledger.handle(world.zgj, c.SignAssignment(problem_id=refused.id))
    other = world.collect("住建的问题")
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=other.id))
    world.ledger.handle(world.chair, c.AssignProblem(problem_id=other.id, lead="430800-zjj"))
    world.at("2025-04-03 10:00")
    for pid in (good.id, redone.id):
        world.ledger.handle(world.zgj, c.ReportProgress(problem_id=pid, text="推进中"))
        world.ledger.handle(world.zgj, c.ReportResult(problem_id=pid, outcome="solved", text="办结"))
    world.at("2025-04-08 10:00")
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=good.id, satisfaction="非常满意"))
    world.ledger.handle(world.collector, c.RecordReturnVisit(problem_id=redone.id, satisfaction="不满意"))
    rule = world.ledger.handle(
        world.secretariat,
        c.RecordLastingRule(
            county=CITY, title="用地保障办法", issued_by="430800-zgj", issued_on=date(2025, 4, 8)
        ),
    )
    world.ledger.handle(world.zgj, c.LinkLastingRule(problem_id=good.id, rule_id=rule.id))
    return {"good": good.id, "redone": redone.id, "refused": refused.id, "other": other.id}


def test_each_point_is_explained_by_its_problems(world: World) -> None:
    ids = april(world)
    world.at("2025-05-06 10:00")
    scores = monthly_scores(world.ledger.problems(world.supervisor), county=CITY, month="2025-04")
    zgj = next(s for s in scores.scores if s.department == "430800-zgj")
    assert zgj.assigned == tuple(sorted([ids["good"], ids["redone"], ids["refused"]]))
    lines = {line.label: line for line in zgj.lines}
    # 及时签收: all three signed on 1 April, within the day's window (the refused one after its return).
    assert lines["及时签收率"].points == 10.0 and len(lines["及时签收率"].problem_ids) == 3
    # 退单率 after arbitration: one return of three refused; it costs 5 × 1/3 of the weight.
    assert lines["退单率"].problem_ids == (ids["refused"],)
    assert (lines["退单率"].points, lines["退单率"].detail) == (3.3, "1/3 = 33.3%，权重5")
    # 按时反馈 counts this round's first report: the good one on time; the redone one's fresh round
    # (from 8 April) has none by 17 April, and the third never reported: 1 of 3.
    assert lines["按时反馈率"].problem_ids == (ids["good"],)
    assert lines["按时反馈率"].points == 6.7
    # 按时办结: the good one only (the redone one's result was sent back).
    assert lines["按时办结率"].problem_ids == (ids["good"],)
    assert lines["按时办结率"].points == 30.0
    assert lines["满意率"].points == 12.5 and lines["满意率"].problem_ids == (ids["good"],)
    assert lines["重办率"].points == 5.0 and lines["重办率"].problem_ids == (ids["redone"],)
    assert "退单未获同意" not in lines  # counted once, in 退单率: no per-case deduction by default
    assert lines["形成长效机制"].points == 2.0 and lines["形成长效机制"].problem_ids == (ids["good"],)
    assert zgj.score == 69.5  # 10 + 3.3 + 6.7 + 30 + 12.5 + 5 + 2
    per_case = ScorePolicy(refused_return_points=2.0)
    problems = world.ledger.problems(world.supervisor)
    again = monthly_scores(problems, county=CITY, month="2025-04", policy=per_case)
    zgj_again = next(s for s in again.scores if s.department == "430800-zgj")
    refused_line = next(line for line in zgj_again.lines if line.label == "退单未获同意")
    assert (refused_line.points, refused_line.problem_ids) == (-2.0, (ids["refused"],))
    assert zgj_again.score == 67.5


def test_a_department_below_the_minimum_is_scored_but_not_ranked(world: World) -> None:
    april(world)
    world.at("2025-05-06 10:00")
    scores = monthly_scores(world.ledger.problems(world.supervisor), county=CITY, month="2025-04")
    assert [s.department for s in scores.ranked()] == ["430800-zgj"]
    assert [s.department for s in scores.unranked()] == ["430800-zjj"]
    assert [s.department for s in scores.red_list()] == ["430800-zgj"]
    assert scores.black_list() == ()  # never on both lists
    anyone = ScorePolicy(min_assigned=1)
    one = monthly_scores(world.ledger.problems(world.supervisor), county=CITY, month="2025-04", policy=anyone)
    # 市住建局 never signed (0 of 10) nor reported (0 of 20), returned nothing (5) and has nothing yet
    # to complete or visit (full weight): 70.
    assert [(s.department, s.score) for s in one.ranked()] == [("430800-zjj", 70.0), ("430800-zgj", 69.5)]
    assert [s.department for s in one.black_list()] == []  # with two ranked and a board of 3


def test_another_month_or_county_scores_nothing(world: World) -> None:
    april(world)
    problems = world.ledger.problems(world.supervisor)
    assert monthly_scores(problems, county=CITY, month="2025-03").scores == ()
    assert monthly_scores(problems, county="430802", month="2025-04").scores == ()


@pytest.mark.parametrize("month", ["2025-13", "April", "2025"])
def test_a_bad_month_is_refused(month: str) -> None:
    with pytest.raises(ValidationError) as info:
        month_bounds(month)
    assert info.value.field == "month"


def test_govbiz_score_prints_the_scores_and_the_boards(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    world = build_world(govbiz.open(url))
    ids = april(world)
    runner = CliRunner()
    result = runner.invoke(main, ["score", "--db", url, "--county", CITY, "--month", "2025-04", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["red_list"] == ["430800-zgj"] and data["unranked"] == ["430800-zjj"]
    [zgj] = [s for s in data["scores"] if s["department"] == "430800-zgj"]
    refused = {"label": "退单率", "points": 3.3, "detail": "1/3 = 33.3%，权重5", "problems": [ids["refused"]]}
    assert refused in zgj["lines"]
    text = runner.invoke(main, ["score", "--db", url, "--county", CITY, "--month", "2025-04"])
    assert text.exit_code == 0, text.output
    assert "红榜: 430800-zgj" in text.output and "不足3件不排名" in text.output
    bad = runner.invoke(main, ["score", "--db", url, "--county", CITY, "--month", "2025-4x"])
    assert bad.exit_code == 1 and "month" in bad.output


def test_scores_of_a_month_in_2027() -> None:
    """March 2027 on the provisional calendar: assignments on 1 March count in that month only."""
    world = build_world()
    world.at("2027-03-01 10:00")
    problem = world.co_replied(world.signed("2027年的问题"))
    world.at("2027-03-05 10:00")
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="推进中"))
    world.at("2027-04-02 10:00")
    scores = monthly_scores(world.ledger.problems(world.supervisor), county=CITY, month="2027-03")
    [zgj] = scores.scores
    assert zgj.assigned == (problem.id,)
    lines = {line.label: line for line in zgj.lines}
    assert lines["按时反馈率"].points == 20.0
    assert lines["按时办结率"].detail == "无应计件数，按满分计"
    assert scores.as_of.isoformat() == "2027-04-01T00:00:00+08:00"
