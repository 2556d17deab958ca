"""The standard metrics (标准口径) and the article's variant.

Each is a `MetricDefinition` value; `govbiz.metrics.registry.standard_registry`
collects them.  `COMPLETION_RATE_EXCLUDING_LONG_TERM` is *not* standard: it is
the variant that reproduces the 75% the source article printed, kept here so a
county can register it (see `MetricRegistry.with_metric`).
"""

from __future__ import annotations

from govbiz.metrics.definitions import Fact, Measure, MetricDefinition, MetricKind, Rounding

__all__ = ["COMPLETION_RATE_EXCLUDING_LONG_TERM", "STANDARD_METRICS"]

_PERCENT = Rounding(places=1, percent=True)
_DAYS = Rounding(places=1)

STANDARD_METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "assigned", "交办数", MetricKind.COUNT, Fact.ASSIGNED,
        "截至统计时点已交办的问题件数", "problems assigned by the as-of instant",
    ),
    MetricDefinition(
        "completed", "办结数", MetricKind.COUNT, Fact.COMPLETED,
        "已办结的问题件数（长期推进不算办结）", "problems completed (long-term is not completed)",
    ),
    MetricDefinition(
        "in_progress", "在办数", MetricKind.COUNT, Fact.IN_PROGRESS,
        "已交办尚未办结的问题件数（含长期推进）", "assigned problems not completed (long-term included)",
    ),
    MetricDefinition(
        "solved", "解决数", MetricKind.COUNT, Fact.SOLVED,
        "办理结果为“已解决”的问题件数", "problems completed with the outcome solved",
    ),
    MetricDefinition(
        "completion_rate", "办结率", MetricKind.RATE, Fact.COMPLETED,
        "办结件数占交办件数的比例", "share of assigned problems that are completed",
        denominator=Fact.ASSIGNED, rounding=_PERCENT,
    ),
    MetricDefinition(
        "solved_rate", "解决率", MetricKind.RATE, Fact.SOLVED,
        "办理结果为“已解决”的件数占交办件数的比例", "share of assigned problems solved",
        denominator=Fact.ASSIGNED, rounding=_PERCENT,
    ),
    MetricDefinition(
        "feedback_on_time_rate", "按时反馈率", MetricKind.RATE, Fact.FEEDBACK_ON_TIME,
        "在期限内报送落实情况的件数占应反馈件数的比例",
        "share of due progress reports made before their cutoff",
        denominator=Fact.FEEDBACK_DUE, rounding=_PERCENT,
    ),
    MetricDefinition(
        "completed_on_time", "按期办结数", MetricKind.COUNT, Fact.COMPLETED_ON_TIME,
        "未经延期、在办结期限内办结的件数", "problems completed before an unextended result cutoff",
    ),
    MetricDefinition(
        "completed_on_time_extended", "延期后按期办结数", MetricKind.COUNT, Fact.COMPLETED_ON_TIME_EXTENDED,
        "经批准延期后、在延长的期限内办结的件数（单列）",
        "problems completed before a result cutoff moved by an approved extension (counted apart)",
    ),
    MetricDefinition(
        "completed_on_time_rate", "按期办结率", MetricKind.RATE, Fact.COMPLETED_ON_TIME,
        "未经延期按期办结的件数占办结件数的比例（延期后按期办结不计入分子）",
        "share of completed problems completed on time without an extension",
        denominator=Fact.COMPLETED, rounding=_PERCENT,
    ),
    MetricDefinition(
        "completed_by_deadline_rate", "期限内办结率（含延期）", MetricKind.RATE, Fact.COMPLETED_BY_DEADLINE,
        "在现行期限（含经批准延期）内办结的件数占办结件数的比例",
        "share of completed problems completed before the cutoff in force, extensions included",
        denominator=Fact.COMPLETED, rounding=_PERCENT,
    ),
    MetricDefinition(
        "overdue", "超期件数", MetricKind.COUNT, Fact.OVERDUE,
        "统计时点仍有期限超期未报的件数", "problems with a clock past its cutoff at the as-of instant",
        higher_is_better=False,
    ),
    MetricDefinition(
        "satisfaction_rate", "满意率", MetricKind.RATE, Fact.SATISFIED,
        "最近一次回访满意的件数占已回访件数的比例",
        "share of visited problems whose latest return visit was satisfied",
        denominator=Fact.VISITED, rounding=_PERCENT,
    ),
    MetricDefinition(
        "redo_rate", "重办率", MetricKind.RATE, Fact.REDONE,
        "因回访不满意而重办过的件数占已回访件数的比例",
        "share of visited problems redone after an unsatisfied visit",
        denominator=Fact.VISITED, rounding=_PERCENT, higher_is_better=False,
    ),
    MetricDefinition(
        "handling_days_mean", "平均办理用时", MetricKind.MEAN, Fact.COMPLETED,
        "办结件自首次交办至报送办理结果的平均工作日数",
        "mean working days from the first assignment to the result, over completed problems",
        measure=Measure.HANDLING_WORKING_DAYS, rounding=_DAYS, higher_is_better=False,
    ),
    MetricDefinition(
        "handling_days_median", "办理用时中位数", MetricKind.MEDIAN, Fact.COMPLETED,
        "办结件自首次交办至报送办理结果的工作日数的中位数",
        "median working days from the first assignment to the result, over completed problems",
        measure=Measure.HANDLING_WORKING_DAYS, rounding=_DAYS, higher_is_better=False,
    ),
    MetricDefinition(
        "open_by_age", "在办问题账龄", MetricKind.DISTRIBUTION, Fact.IN_PROGRESS,
        "在办问题按自首次交办起的自然日数分段计数",
        "problems in progress counted by days since their first assignment",
        measure=Measure.AGE_DAYS, buckets=(30, 60, 90), higher_is_better=False,
    ),
)  # fmt: skip

#: The article's 75%: completed over assigned with long-term problems (长期推进) left out.
COMPLETION_RATE_EXCLUDING_LONG_TERM = MetricDefinition(
    "completion_rate_excluding_long_term",
    "办结率（剔除长期推进）",
    MetricKind.RATE,
    Fact.COMPLETED,
    "办结件数占交办件数的比例，分母剔除长期推进件",
    "share of assigned problems completed, long-term problems left out of the denominator",
    denominator=Fact.ASSIGNED,
    exclusions=frozenset({Fact.WITHDRAWN, Fact.MERGED, Fact.REJECTED, Fact.LONG_TERM}),
    rounding=_PERCENT,
)
