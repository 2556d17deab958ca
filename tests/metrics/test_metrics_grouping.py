"""Grouping, city roll-up, rankings with ties, and drill-down to problems."""

from __future__ import annotations

import pytest

from govbiz import commands as c
from govbiz.domain import Actor, Role
from govbiz.errors import ValidationError
from govbiz.metrics import (
    GroupContext,
    Grouping,
    LedgerProblems,
    MetricsResult,
    compute_metrics,
    rank,
    render_ranking_markdown,
    roll_up,
    to_json,
)
from govbiz.metrics.article import AS_OF, ArticleLedger, build_article_ledger
from tests.conftest import COUNTY, World, credit_code

METRICS = ["assigned", "completed", "completion_rate", "overdue", "handling_days_median"]


@pytest.fixture(scope="module")
def article() -> ArticleLedger:
    return build_article_ledger()


def _grouped(article: ArticleLedger, grouping: str) -> MetricsResult:
    context = GroupContext.from_ledger(article.ledger, article.viewer)
    source = LedgerProblems(article.ledger, article.viewer)
    return compute_metrics(source, AS_OF, metrics=METRICS, group_by=grouping, context=context)


@pytest.mark.parametrize("grouping", [g.value for g in Grouping])
def test_every_grouping_partitions_the_total(article: ArticleLedger, grouping: str) -> None:
    result = _grouped(article, grouping)
    assert sum(g.figure("assigned").value or 0 for g in result.groups) == result.figure("assigned").value
    ids = [pid for g in result.groups for pid in g.figure("assigned").numerator]
    assert sorted(ids) == list(result.figure("assigned").numerator)


def test_by_chair_uses_the_session_record(article: ArticleLedger) -> None:
    result = _grouped(article, "chair")
    assert {g.key for g in result.groups} == {"市委书记刘革安", "市长王洪斌", "副市长"}
    assert result.group("市长王洪斌").figure("assigned").value == 18  # 5 May and 12 August: 9 + 9


def test_by_month_and_labels(article: ArticleLedger) -> None:
    months = _grouped(article, "month")
    assert [g.key for g in months.groups] == [f"2025-{m:02d}" for m in (3, 5, 6, 7, 8, 9, 10)]
    departments = _grouped(article, "department")
    assert departments.group("430800-zgj").label == "市自规局"


def test_an_unknown_grouping_is_a_validation_error(article: ArticleLedger) -> None:
    with pytest.raises(ValidationError, match="choose one of department") as info:
        _grouped(article, "weather")
    assert info.value.field == "group_by"


def test_a_figure_drills_down_to_its_problems(article: ArticleLedger) -> None:
    figure = _grouped(article, "department").figure("completion_rate", "430800-zgj")
    for pid in figure.numerator:
        assert article.ledger.problem(article.viewer, pid).state.value in {"closed", "result_reported"}
    assert set(figure.numerator) < set(figure.denominator)


def test_rankings_share_a_rank_on_ties_and_say_so(article: ArticleLedger) -> None:
    ranking = rank(_grouped(article, "department"), "completion_rate")
    assert [row.rank for row in ranking.rows] == [1, 2, 2, 4, 5, 6, 7, 8]
    assert ranking.ties() == {2: ("430800-fgw", "430800-jrb")}
    assert "1、2、2、4" in ranking.method_zh
    text = render_ranking_markdown(ranking)
    assert "| 2 | 市发改委 | 83.3% | 5/6 |" in text
    assert "| 2 | 市金融办 | 83.3% | 5/6 |" in text


def test_lower_is_better_for_overdue(article: ArticleLedger) -> None:
    ranking = rank(_grouped(article, "department"), "overdue")
    first = [row.key for row in ranking.rows if row.rank == 1]
    assert first == ["430800-fgw", "430800-zwb"]
    assert ranking.rows[-1].figure.value == 2


def _county_problem(world: World) -> None:
    county_admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    enterprise = world.ledger.handle(
        county_admin,
        c.RegisterEnterprise(
            county=COUNTY, name="永定区某企业", credit_code=credit_code("91430802MA4L00001")
        ),
    )
    problem = world.ledger.handle(
        world.county_collector,
        c.CollectProblem(enterprise_id=enterprise.id, title="厂房报建", category="审批", source="恳谈会"),
    )
    world.ledger.handle(world.county_collector, c.TriageProblem(problem_id=problem.id))
    chair = Actor(id="yd-chair", role=Role.CHAIR, county=COUNTY)
    world.ledger.handle(chair, c.AssignProblem(problem_id=problem.id, lead="430802-zrzy"))


def test_a_city_rolls_up_its_counties(world: World) -> None:
    world.signed()
    _county_problem(world)
    city_viewer = world.viewer
    context = GroupContext.from_ledger(world.ledger, city_viewer)
    source = LedgerProblems(world.ledger, city_viewer)
    now = world.at("2025-05-06 10:00")
    by_county = compute_metrics(source, now, metrics=METRICS, group_by="county", context=context)
    assert [g.key for g in by_county.groups] == ["430800", "430802"]
    by_city = compute_metrics(source, now, metrics=METRICS, group_by="city", context=context)
    assert [(g.key, g.figure("assigned").value) for g in by_city.groups] == [("430800", 2)]
    assert to_json(roll_up(by_county, context.divisions.values())) == to_json(by_city)
    assert by_city.group("430800").label == "张家界市"


def test_roll_up_needs_a_county_grouping(article: ArticleLedger) -> None:
    with pytest.raises(ValidationError):
        roll_up(_grouped(article, "department"), [])
