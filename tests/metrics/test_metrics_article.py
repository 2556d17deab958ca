"""The article's own figures: 59 assigned, 39 solved; land planning 9 of 14, printed as 75%."""

from __future__ import annotations

import json

import pytest

from govbiz.metrics import (
    COMPLETION_RATE_EXCLUDING_LONG_TERM,
    GroupContext,
    LedgerProblems,
    MetricsResult,
    compute_metrics,
    render_markdown,
    standard_registry,
    to_json,
)
from govbiz.metrics.article import AS_OF, FIGURES, LAND_PLANNING, ArticleLedger, build_article_ledger


@pytest.fixture(scope="module")
def article() -> ArticleLedger:
    return build_article_ledger()


@pytest.fixture(scope="module")
def by_category(article: ArticleLedger) -> MetricsResult:
    registry = standard_registry().with_metric(COMPLETION_RATE_EXCLUDING_LONG_TERM)
    return compute_metrics(
        LedgerProblems(article.ledger, article.viewer),
        AS_OF,
        registry=registry,
        group_by="category",
        context=GroupContext.from_ledger(article.ledger, article.viewer),
    )


def test_seven_reception_days_59_assigned_39_solved(
    article: ArticleLedger, by_category: MetricsResult
) -> None:
    assert len(article.ledger.records(article.viewer, "session")) == FIGURES["sessions"] == 7
    assert by_category.figure("assigned").value == FIGURES["assigned"] == 59
    assert by_category.figure("solved").value == FIGURES["solved"] == 39


def test_land_planning_14_problems_from_8_enterprises(
    article: ArticleLedger, by_category: MetricsResult
) -> None:
    land = by_category.group(LAND_PLANNING)
    assigned = land.figure("assigned").numerator
    assert len(assigned) == 14
    enterprises = {article.ledger.problem(article.viewer, pid).enterprise_id for pid in assigned}
    assert len(enterprises) == FIGURES["land_planning_enterprises"] == 8
    assert land.figure("completed").value == 9
    assert land.figure("in_progress").value == 5


def test_the_standard_definition_gives_64_3_percent(by_category: MetricsResult) -> None:
    figure = by_category.figure("completion_rate", LAND_PLANNING)
    assert (figure.text(), figure.fraction_text()) == ("64.3%", "9/14")


def test_the_article_s_75_percent_is_9_of_12_with_long_term_problems_excluded(
    article: ArticleLedger, by_category: MetricsResult
) -> None:
    standard = by_category.figure("completion_rate", LAND_PLANNING)
    variant = by_category.figure("completion_rate_excluding_long_term", LAND_PLANNING)
    assert (variant.text(), variant.fraction_text()) == ("75.0%", "9/12")
    assert variant.numerator == standard.numerator
    left_out = set(standard.denominator) - set(variant.denominator)
    states = {article.ledger.problem(article.viewer, pid).state.value for pid in left_out}
    assert len(left_out) == FIGURES["land_planning_long_term"] == 2
    assert states == {"long_term"}


def test_the_report_prints_each_rate_next_to_its_definition(by_category: MetricsResult) -> None:
    text = render_markdown(by_category)
    standard_at = text.index("## 办结率（completion_rate）")
    variant_at = text.index("## 办结率（剔除长期推进）（completion_rate_excluding_long_term）")
    assert "| 土地规划 | 64.3% | 9/14 |" in text[standard_at:variant_at]
    variant_section = text[variant_at:]
    assert variant_section.index("剔除：长期推进、已撤回、已合并、不予受理") < variant_section.index(
        "| 土地规划 | 75.0% | 9/12 |"
    )


def test_json_carries_definitions_and_the_problems_behind_each_figure(by_category: MetricsResult) -> None:
    data = json.loads(to_json(by_category))
    land = next(g for g in data["groups"] if g["key"] == LAND_PLANNING)
    variant = next(f for f in land["figures"] if f["metric"] == "completion_rate_excluding_long_term")
    assert (variant["text"], len(variant["numerator"]), len(variant["denominator"])) == ("75.0%", 9, 12)
    definition = next(d for d in data["definitions"] if d["name"] == "completion_rate_excluding_long_term")
    assert "long_term" in definition["exclusions"]
    assert definition["rounding"] == {"places": 1, "percent": True, "mode": "half_up"}
