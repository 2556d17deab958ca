"""Definitions are data: rounding, validation, the registry and a county's own variant."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from govbiz.errors import ValidationError
from govbiz.metrics import (
    COMPLETION_RATE_EXCLUDING_LONG_TERM,
    Fact,
    Figure,
    MetricDefinition,
    MetricKind,
    Rounding,
    standard_registry,
)

REQUIRED = {
    "assigned": "交办数",
    "completed": "办结数",
    "completion_rate": "办结率",
    "solved_rate": "解决率",
    "feedback_on_time_rate": "按时反馈率",
    "completed_on_time_rate": "按期办结率",
    "completed_on_time_extended": "延期后按期办结数",
    "overdue": "超期件数",
    "satisfaction_rate": "满意率",
    "redo_rate": "重办率",
    "handling_days_mean": "平均办理用时",
    "handling_days_median": "办理用时中位数",
    "open_by_age": "在办问题账龄",
}


def test_the_standard_registry_has_every_metric_the_issue_asks_for() -> None:
    registry = standard_registry()
    assert {name: registry.get(name).name_zh for name in REQUIRED} == REQUIRED


@pytest.mark.parametrize(
    ("value", "rounding", "printed"),
    [
        (Fraction(9, 14), Rounding(1, percent=True), Decimal("64.3")),
        (Fraction(9, 12), Rounding(1, percent=True), Decimal("75.0")),
        (Fraction(1285, 2000), Rounding(1, percent=True), Decimal("64.3")),  # 64.25: half up, not to even
        (Fraction(1, 40), Rounding(1, percent=True), Decimal("2.5")),
        (Fraction(5, 2), Rounding(0), Decimal("3")),  # round() would say 2
        (Fraction(14962, 16878), Rounding(2, percent=True), Decimal("88.65")),
    ],
)
def test_rounding_is_half_up(value: Fraction, rounding: Rounding, printed: Decimal) -> None:
    assert rounding.apply(value) == printed


def test_every_rate_states_numerator_denominator_exclusions_and_rounding() -> None:
    rate = standard_registry().get("completion_rate")
    statement = rate.statement_zh()
    assert "分子：办结" in statement
    assert "分母：已交办" in statement
    assert "剔除：已撤回、已合并、不予受理" in statement
    assert "四舍五入" in statement
    assert "rounded half up" in rate.statement_en()


def test_the_article_variant_excludes_long_term_problems_and_says_so() -> None:
    variant = COMPLETION_RATE_EXCLUDING_LONG_TERM
    assert Fact.LONG_TERM in variant.exclusions
    assert "长期推进" in variant.statement_zh()
    assert "long_term" in variant.statement_en()


def test_a_county_registers_its_own_variant_without_changing_the_standard() -> None:
    standard = standard_registry()
    county = standard.with_metric(COMPLETION_RATE_EXCLUDING_LONG_TERM)
    assert "completion_rate_excluding_long_term" in county
    assert "completion_rate_excluding_long_term" not in standard
    assert len(county) == len(standard) + 1


def test_a_variant_cannot_silently_redefine_a_standard_name() -> None:
    clash = MetricDefinition(
        "completion_rate",
        "办结率",
        MetricKind.RATE,
        Fact.SOLVED,
        "改口径",
        "changed",
        denominator=Fact.ASSIGNED,
    )
    with pytest.raises(ValidationError) as info:
        standard_registry().with_metric(clash)
    assert info.value.field == "name"
    replaced = standard_registry().with_metric(clash, replace=True)
    assert replaced.get("completion_rate").numerator is Fact.SOLVED


def test_an_unknown_metric_is_a_validation_error_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match="choose one of assigned") as info:
        standard_registry().get("happiness")
    assert info.value.field == "metric"
    assert info.value.value == "happiness"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": MetricKind.RATE}, "denominator"),
        ({"kind": MetricKind.COUNT, "denominator": Fact.ASSIGNED}, "denominator"),
        ({"kind": MetricKind.MEAN}, "measure"),
        ({"name": "not a name"}, "name"),
    ],
)
def test_an_inconsistent_definition_is_refused(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "name": "x",
        "name_zh": "某",
        "kind": MetricKind.COUNT,
        "numerator": Fact.COMPLETED,
        "description_zh": "某",
        "description_en": "x",
    }
    with pytest.raises(ValidationError) as info:
        MetricDefinition(**{**base, **kwargs})  # type: ignore[arg-type]
    assert info.value.field == field


def test_a_figure_computes_rates_means_and_medians_from_its_ids() -> None:
    registry = standard_registry()
    rate = Figure(registry.get("completion_rate"), ("a", "b"), ("a", "b", "c"))
    assert (rate.text(), rate.fraction_text()) == ("66.7%", "2/3")
    median = Figure(registry.get("handling_days_median"), ("a", "b"), ("a", "b"), {"a": 4, "b": 7})
    assert median.value == Decimal("5.5")
    empty = Figure(registry.get("satisfaction_rate"))
    assert (empty.value, empty.text()) == (None, "—")
