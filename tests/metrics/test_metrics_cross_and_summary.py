"""Cross groupings (部门×月份) and summaries without ids (汇总表), in the Python reference."""

from __future__ import annotations

import json

import pytest

from govbiz.errors import ValidationError
from govbiz.metrics import (
    Figure,
    GroupContext,
    LedgerProblems,
    MetricRequest,
    MetricsResult,
    PythonMetricSource,
    compute_metrics,
    render_markdown,
    roll_up,
    standard_registry,
    to_json,
)
from govbiz.metrics.article import AS_OF, ArticleLedger, build_article_ledger
from govbiz.metrics.grouping import Grouping

COUNTED = ["assigned", "completed", "completion_rate", "overdue", "solved_rate"]


@pytest.fixture(scope="module")
def article() -> ArticleLedger:
    return build_article_ledger()


def _compute(article: ArticleLedger, **options: object) -> MetricsResult:
    context = GroupContext.from_ledger(article.ledger, article.viewer)
    source = LedgerProblems(article.ledger, article.viewer)
    return compute_metrics(source, AS_OF, context=context, **options)  # type: ignore[arg-type]


def test_department_by_month_splits_each_department_by_month(article: ArticleLedger) -> None:
    cross = _compute(article, metrics=COUNTED, group_by="department", then_by="month")
    departments = _compute(article, metrics=COUNTED, group_by="department")
    months = _compute(article, metrics=COUNTED, group_by="month")
    assert cross.total == departments.total
    for department in departments.groups:
        cells = [g for g in cross.groups if g.key is not None and g.key.startswith(f"{department.key} × ")]
        ids = sorted(i for g in cells for i in g.figure("assigned").numerator)
        assert ids == list(department.figure("assigned").numerator)
    month_keys = {m.key for m in months.groups}
    assert {g.key.split(" × ")[1] for g in cross.groups if g.key} == month_keys
    # Sorted by department, then month; each cell labelled with both names.
    keys = [tuple(g.key.split(" × ")) for g in cross.groups if g.key]
    assert keys == sorted(keys)
    cell = cross.group("430800-zgj", "2025-03")
    assert cell.label == "市自规局 × 2025-03"
    assert cross.figure("assigned", ("430800-zgj", "2025-03")) == cell.figure("assigned")
    assert (cross.groupings, cross.grouping_label_zh) == (
        (Grouping.DEPARTMENT, Grouping.MONTH),
        "主办部门 × 交办月份",
    )


def test_a_cross_grouping_prints_both_dimensions(article: ArticleLedger) -> None:
    cross = _compute(article, metrics=["completion_rate"], group_by="department", then_by="month")
    text = render_markdown(cross)
    assert "- 分组：主办部门 × 交办月份" in text
    assert "| 市自规局 × 2025-03 |" in text
    data = json.loads(to_json(cross))
    assert (data["grouping"], data["then_by"]) == ("department", "month")
    assert "430800-zgj × 2025-03" in [g["key"] for g in data["groups"]]


def test_a_summary_counts_what_the_drill_down_lists(article: ArticleLedger) -> None:
    for then_by in (None, "month"):
        drilled = _compute(article, metrics=COUNTED, group_by="department", then_by=then_by)
        summary = _compute(article, metrics=COUNTED, group_by="department", then_by=then_by, drill_down=False)
        assert [g.key for g in summary.groups] == [g.key for g in drilled.groups]
        for ours, theirs in zip(
            [summary.total, *summary.groups], [drilled.total, *drilled.groups], strict=True
        ):
            for figure, listed in zip(ours.figures, theirs.figures, strict=True):
                assert figure.summary and (figure.numerator, figure.denominator) == ((), ())
                assert figure.numerator_count == len(listed.numerator)
                assert figure.denominator_count == len(listed.denominator)
                assert (figure.text(), figure.fraction_text()) == (listed.text(), listed.fraction_text())
    land = _compute(article, metrics=["completion_rate"], group_by="category", drill_down=False)
    assert land.figure("completion_rate", "土地规划").fraction_text() == "9/14"


def test_a_summary_refuses_means_medians_and_distributions(article: ArticleLedger) -> None:
    for metric in ("handling_days_mean", "handling_days_median"):
        with pytest.raises(ValidationError, match=metric) as caught:
            _compute(article, metrics=["assigned", metric], drill_down=False)
        assert caught.value.field == "drill_down"
    figure = Figure(standard_registry().get("completion_rate"), numerator_count=9, denominator_count=14)
    assert (figure.text(), figure.exact) == ("64.3%", pytest.approx(9 / 14))


def test_a_summary_json_has_counts_and_an_ordinary_one_is_as_before(article: ArticleLedger) -> None:
    summary = json.loads(to_json(_compute(article, metrics=["completion_rate"], drill_down=False)))
    figure = summary["total"]["figures"][0]
    assert (figure["numerator"], figure["numerator_count"], figure["denominator_count"]) == ([], 44, 59)
    ordinary = to_json(_compute(article, metrics=["completion_rate"], group_by="department"))
    assert "numerator_count" not in ordinary
    assert "then_by" not in ordinary


def test_summary_figures_cannot_be_merged_or_hold_ids() -> None:
    definition = standard_registry().get("assigned")
    counted = Figure(definition, numerator_count=3, denominator_count=0)
    with pytest.raises(ValidationError) as caught:
        counted.merge(Figure(definition, ("a",)))
    assert caught.value.field == "drill_down"
    with pytest.raises(ValidationError):
        Figure(definition, ("a",), numerator_count=1, denominator_count=0)
    with pytest.raises(ValidationError):
        Figure(definition, numerator_count=1)


def test_the_second_grouping_is_checked(article: ArticleLedger) -> None:
    definitions = standard_registry().select(["assigned"])
    with pytest.raises(ValidationError) as without_first:
        MetricRequest(as_of=AS_OF, definitions=definitions, then_by=Grouping.MONTH)
    with pytest.raises(ValidationError) as twice:
        MetricRequest(as_of=AS_OF, definitions=definitions, grouping=Grouping.MONTH, then_by=Grouping.MONTH)
    with pytest.raises(ValidationError) as unknown:
        _compute(article, metrics=["assigned"], group_by="department", then_by="weather")
    assert [e.value.field for e in (without_first, twice, unknown)] == ["then_by"] * 3


def test_a_cross_grouping_does_not_roll_up(article: ArticleLedger) -> None:
    cross = _compute(article, metrics=["assigned"], group_by="county", then_by="month")
    with pytest.raises(ValidationError):
        roll_up(cross, [])


def test_requests_without_the_new_options_are_answered_as_before(article: ArticleLedger) -> None:
    source = PythonMetricSource(LedgerProblems(article.ledger, article.viewer))
    definitions = standard_registry().select(COUNTED)
    old = MetricRequest(AS_OF, definitions, Grouping.DEPARTMENT)
    assert (old.then_by, old.drill_down, old.groupings) == (None, True, (Grouping.DEPARTMENT,))
    result = source.compute(old)
    assert result.then_by is None
    assert all(not f.summary for g in result.groups for f in g.figures)
