"""Metric definitions (统计口径): what each figure counts, stated as data.

A published rate means nothing without its definition: the source article
prints 办结率 75% for 9 of 14 problems, which is 64.3% unless something was
left out of the denominator.  Every metric here is therefore a
`MetricDefinition` value that names its numerator, its denominator, the
cases it excludes, its rounding and a one-line description in Chinese and
English, and every report prints that description next to the figure.

Numerators, denominators and exclusions are `Fact`s: things that are true
or false of one problem as of an instant (see `govbiz.metrics.facts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

import attrs

from govbiz.errors import ValidationError

__all__ = ["Fact", "Measure", "MetricDefinition", "MetricKind", "Rounding"]


class Fact(StrEnum):
    """A yes/no fact about one problem as of an instant (口径要素).

    Each member's `label_zh` and `explain_en` say exactly when it holds;
    `govbiz.metrics.facts.facts_of` is the code that decides it.
    """

    ASSIGNED = "assigned"
    COMPLETED = "completed"
    SOLVED = "solved"
    IN_PROGRESS = "in_progress"
    LONG_TERM = "long_term"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    SIGN_DUE = "sign_due"
    SIGNED_ON_TIME = "signed_on_time"
    RETURN_REFUSED = "return_refused"
    FEEDBACK_DUE = "feedback_due"
    FEEDBACK_ON_TIME = "feedback_on_time"
    COMPLETED_BY_DEADLINE = "completed_by_deadline"
    COMPLETED_ON_TIME = "completed_on_time"
    COMPLETED_ON_TIME_EXTENDED = "completed_on_time_extended"
    OVERDUE = "overdue"
    VISITED = "visited"
    SATISFIED = "satisfied"
    REDONE = "redone"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the fact, as a clerk says it."""
        return _FACTS[self][0]

    @property
    def explain_zh(self) -> str:
        """When the fact holds, in Chinese."""
        return _FACTS[self][1]

    @property
    def explain_en(self) -> str:
        """When the fact holds, in English."""
        return _FACTS[self][2]


_FACTS: dict[Fact, tuple[str, str, str]] = {
    Fact.ASSIGNED: ("已交办", "截至统计时点已交办（含退回待重新交办）", "assigned by the as-of instant"),
    Fact.COMPLETED: (
        "办结",
        "已报送办理结果且结果为已解决、部分解决或已解释说明（含已回访销号）；长期推进视为在办",
        "a result reported as solved, partially solved or explained (or closed); long-term is in progress",
    ),
    Fact.SOLVED: ("解决", "办结且办理结果为“已解决”", "completed with the outcome solved"),
    Fact.IN_PROGRESS: (
        "在办",
        "已交办、未办结、未撤回（含长期推进、重办、退回）",
        "assigned, not completed, not withdrawn (long-term, redo and returned included)",
    ),
    Fact.LONG_TERM: (
        "长期推进",
        "办理结果为长期推进且尚未报送最终结果",
        "reported as long-term, no final result yet",
    ),
    Fact.WITHDRAWN: ("已撤回", "问题已撤回", "the problem was withdrawn"),
    Fact.MERGED: ("已合并", "作为重复问题并入他件", "merged into another problem as a duplicate"),
    Fact.REJECTED: ("不予受理", "不予受理", "declined (not taken by the mechanism)"),
    Fact.SUSPENDED: ("中止", "时限处于中止状态", "its clocks are suspended"),
    Fact.SIGN_DUE: (
        "应签收",
        "本轮交办设有签收期限，且已签收（签收时间有记录），或仍待签收而签收期限已届满（退单待审定期间不计）",
        "this round has a sign-for clock and was signed (time recorded), or still awaits signing past its "
        "cutoff (not while a return awaits its decision)",
    ),
    Fact.SIGNED_ON_TIME: (
        "按时签收",
        "签收早于签收期限截止时刻；期限自交办起算，退单未获同意不顺延",
        "signed before the sign-for cutoff, counted from 交办; a refused return does not move it",
    ),
    Fact.RETURN_REFUSED: (
        "退单未获同意",
        "本轮主办部门申请退单，经交办机构审定不同意（待审定、已同意的不计）",
        "the lead of this round asked to return it and the secretariat refused (pending or accepted: not)",
    ),
    Fact.FEEDBACK_DUE: (
        "应反馈",
        "本轮交办的落实情况已报送，或报送期限已届满",
        "this round's progress report was made or its deadline has passed",
    ),
    Fact.FEEDBACK_ON_TIME: (
        "按时反馈",
        "本轮首次报送落实情况（或办理结果）早于报送期限截止时刻",
        "this round's first progress (or result) report came before the progress cutoff",
    ),
    Fact.COMPLETED_BY_DEADLINE: (
        "期限内办结",
        "办结，且办理结果报送早于现行办结期限（含经批准延期后的期限）",
        "completed before the result cutoff in force (an approved extension included)",
    ),
    Fact.COMPLETED_ON_TIME: (
        "按期办结",
        "期限内办结且办结期限未经延期",
        "completed before the result cutoff, which was never extended",
    ),
    Fact.COMPLETED_ON_TIME_EXTENDED: (
        "延期后按期办结",
        "期限内办结，但所依期限经批准延期",
        "completed before a result cutoff moved by an approved extension",
    ),
    Fact.OVERDUE: (
        "超期",
        "签收、落实情况或办理结果期限正在计时且截止时刻已过（中止、长期推进不计）",
        "a running sign, progress or result clock whose cutoff has passed (suspended and long-term excluded)",
    ),
    Fact.VISITED: ("已回访", "至少回访一次", "visited again at least once"),
    Fact.SATISFIED: ("满意", "最近一次回访企业表示满意", "satisfied at the latest return visit"),
    Fact.REDONE: ("重办", "曾因回访不满意而重办", "redone at least once after an unsatisfied return visit"),
}


class MetricKind(StrEnum):
    """The shape of a metric's value."""

    COUNT = "count"
    """件数: how many problems have the numerator fact."""
    RATE = "rate"
    """率: numerator over denominator, as a percentage."""
    MEAN = "mean"
    """平均值 of a measure over the population."""
    MEDIAN = "median"
    """中位数 of a measure over the population."""
    DISTRIBUTION = "distribution"
    """分布: the population counted in buckets of a measure."""


class Measure(StrEnum):
    """A number measured on one problem, for means, medians and distributions."""

    HANDLING_WORKING_DAYS = "handling_working_days"
    """办理用时: working days after the day of the first assignment up to the day of the result."""
    AGE_DAYS = "age_days"
    """账龄: days from the day of the first assignment to the as-of day."""

    @property
    def label_zh(self) -> str:
        """The Chinese name and unit."""
        return {Measure.HANDLING_WORKING_DAYS: "办理用时（工作日）", Measure.AGE_DAYS: "账龄（自然日）"}[self]


@attrs.frozen(slots=True)
class Rounding:
    """How a value is rounded for print (舍入规则): always half-up (四舍五入).

    `places` decimals; `percent` multiplies a ratio by 100 first.  Half-up
    means 0.05 rounds to 0.1 and 64.25 to 64.3, as clerks round by hand
    (not the banker's rounding of Python's `round`).
    """

    places: int = 1
    percent: bool = False

    def apply(self, value: Fraction) -> Decimal:
        """Round the exact `value` (scaled to percent if asked) half-up to `places`."""
        scaled = value * 100 if self.percent else value
        exact = Decimal(scaled.numerator) / Decimal(scaled.denominator)
        return exact.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)

    def describe_zh(self) -> str:
        """The rule in Chinese, e.g. 百分比，保留1位小数，四舍五入."""
        unit = "百分比，" if self.percent else ""
        return f"{unit}保留{self.places}位小数，四舍五入"

    def describe_en(self) -> str:
        """The rule in English, e.g. percent, 1 decimal, rounded half up."""
        unit = "percent, " if self.percent else ""
        return f"{unit}{self.places} decimal(s), rounded half up"


def _facts(values: Iterable[Fact | str]) -> frozenset[Fact]:
    return frozenset(Fact(v) for v in values)


#: Counts are whole numbers and need no rounding.
_WHOLE = Rounding(places=0)
#: The exclusions of the standard metrics: cases that were never the department's to handle.
_NEVER_HANDLED = frozenset({Fact.WITHDRAWN, Fact.MERGED, Fact.REJECTED})


@attrs.frozen(slots=True)
class MetricDefinition:
    """One named metric and its exact definition (统计口径).

    `name` is the code name (`completion_rate`) and `name_zh` the
    Chinese name (办结率).  For a `MetricKind.RATE`, `numerator` is
    counted among the `denominator` population; for every other kind
    `numerator` is the population itself.  A problem with any fact in
    `exclusions` is left out of the population (and so of the numerator).
    `measure` is what a mean, median or distribution is taken of, and
    `buckets` the upper bounds (inclusive) of a distribution's buckets.
    `higher_is_better` orders rankings.  `description_zh` and
    `description_en` are the one line a report prints next to the figure;
    `statement` adds numerator, denominator, exclusions and rounding.
    """

    name: str
    name_zh: str
    kind: MetricKind = attrs.field(converter=MetricKind)
    numerator: Fact = attrs.field(converter=Fact)
    description_zh: str
    description_en: str
    denominator: Fact | None = None
    exclusions: frozenset[Fact] = attrs.field(default=_NEVER_HANDLED, converter=_facts)
    measure: Measure | None = None
    buckets: tuple[int, ...] = ()
    rounding: Rounding = _WHOLE
    higher_is_better: bool = True

    def __attrs_post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValidationError("name", self.name, "a metric's code name is a Python identifier")
        needs_measure = self.kind in (MetricKind.MEAN, MetricKind.MEDIAN, MetricKind.DISTRIBUTION)
        if (self.kind is MetricKind.RATE) != (self.denominator is not None):
            raise ValidationError(
                "denominator", self.denominator, f"a {self.kind} metric needs one iff a rate"
            )
        if needs_measure != (self.measure is not None):
            raise ValidationError("measure", self.measure, f"a {self.kind} metric needs one iff it measures")
        if (self.kind is MetricKind.DISTRIBUTION) != bool(self.buckets):
            raise ValidationError("buckets", self.buckets, "a distribution needs bucket bounds, others none")
        if list(self.buckets) != sorted(set(self.buckets)):
            raise ValidationError("buckets", self.buckets, "bucket bounds must increase")

    @property
    def population(self) -> Fact:
        """The fact that puts a problem in the population (the denominator of a rate)."""
        return self.denominator if self.denominator is not None else self.numerator

    def includes(self, facts: frozenset[Fact]) -> bool:
        """True if a problem with these facts is in the population."""
        return self.population in facts and not (self.exclusions & facts)

    def _exclusions_in_order(self) -> list[Fact]:
        return [fact for fact in Fact if fact in self.exclusions]

    def statement_zh(self) -> str:
        """The full definition in Chinese: what is counted, over what, minus what, rounded how."""
        parts = [self.description_zh]
        if self.denominator is not None:
            parts.append(f"分子：{self.numerator.label_zh}（{self.numerator.explain_zh}）")
            parts.append(f"分母：{self.denominator.label_zh}（{self.denominator.explain_zh}）")
        else:
            parts.append(f"统计对象：{self.numerator.label_zh}（{self.numerator.explain_zh}）")
        if self.measure is not None:
            parts.append(f"度量：{self.measure.label_zh}")
        excluded = "、".join(f.label_zh for f in self._exclusions_in_order()) or "无"
        parts.append(f"剔除：{excluded}")
        if self.kind is not MetricKind.COUNT:
            parts.append(f"舍入：{self.rounding.describe_zh()}")
        return "；".join(parts)

    def statement_en(self) -> str:
        """The full definition in English."""
        parts = [self.description_en]
        if self.denominator is not None:
            parts.append(f"numerator: {self.numerator.value} ({self.numerator.explain_en})")
            parts.append(f"denominator: {self.denominator.value} ({self.denominator.explain_en})")
        else:
            parts.append(f"counted: {self.numerator.value} ({self.numerator.explain_en})")
        if self.measure is not None:
            parts.append(f"measure: {self.measure.value}")
        excluded = ", ".join(f.value for f in self._exclusions_in_order()) or "none"
        parts.append(f"excluded: {excluded}")
        if self.kind is not MetricKind.COUNT:
            parts.append(f"rounding: {self.rounding.describe_en()}")
        return "; ".join(parts)
