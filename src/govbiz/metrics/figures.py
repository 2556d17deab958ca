"""Figures (统计数): a metric's value for one group, with the problems behind it.

A `Figure` keeps the ids of the problems in its numerator and its
denominator (and each one's measure, for means and medians), and computes its
value from them.  So every figure drills down to its problems (穿透到件),
and two figures merge exactly (a city's figure is its own and its counties'
ids together) instead of averaging averages.

A summary figure (汇总表, from `MetricRequest(drill_down=False)`) keeps only
the two counts, for tables too large for anyone to drill into: it has no ids,
cannot be merged, and cannot be a mean, median or distribution (those need
every problem's measure).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import attrs

from govbiz.errors import ValidationError
from govbiz.metrics.definitions import MetricDefinition, MetricKind
from govbiz.metrics.grouping import Grouping, cross_key

__all__ = ["Bucket", "Figure", "GroupFigures", "MetricsResult"]


@attrs.frozen(slots=True)
class Bucket:
    """One bucket of a distribution: its label (≤30日 ...) and the problems in it."""

    label: str
    problems: tuple[str, ...]


@attrs.frozen(slots=True)
class Figure:
    """The value of one metric for one group, and the problem ids behind it.

    `numerator` lists the problems counted (for a rate, those with the
    numerator fact), `denominator` the population of a rate, mean, median or
    distribution (empty for a count).  `measures` maps a problem id to its
    measured value for means, medians and distributions.

    A summary figure (汇总数) is made with `numerator_count` and
    `denominator_count` (0 for a count) instead of ids; either way the
    `numerator_count` and `denominator_count` properties give the sizes.
    """

    definition: MetricDefinition
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    measures: Mapping[str, int] = attrs.field(factory=dict, hash=False)
    _numerator_count: int | None = attrs.field(default=None, kw_only=True)
    _denominator_count: int | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self._numerator_count is None and self._denominator_count is None:
            return  # the usual figure, with its ids
        name = self.definition.name
        if self._numerator_count is None or self._denominator_count is None:
            raise ValidationError("numerator_count", self._numerator_count, f"{name}: a summary needs both")
        if self.numerator or self.denominator or self.measures:
            raise ValidationError("numerator", self.numerator, f"{name}: a summary carries counts, not ids")
        if self.definition.kind not in (MetricKind.COUNT, MetricKind.RATE):
            raise ValidationError("drill_down", False, f"{name} needs each problem's measure, not a count")

    @property
    def summary(self) -> bool:
        """True for a summary figure (汇总数): counts only, no problem ids to drill into."""
        return self._numerator_count is not None

    @property
    def numerator_count(self) -> int:
        """How many problems are counted (分子件数)."""
        return len(self.numerator) if self._numerator_count is None else self._numerator_count

    @property
    def denominator_count(self) -> int:
        """How many problems are in the population (分母件数; 0 for a count)."""
        return len(self.denominator) if self._denominator_count is None else self._denominator_count

    @property
    def exact(self) -> Fraction | None:
        """The unrounded value (a percentage as a ratio); `None` when there is nothing to divide by."""
        kind = self.definition.kind
        if kind in (MetricKind.COUNT, MetricKind.DISTRIBUTION):
            return Fraction(self.numerator_count)
        if not self.denominator_count:
            return None
        if kind is MetricKind.RATE:
            return Fraction(self.numerator_count, self.denominator_count)
        values = sorted(self.measures[i] for i in self.denominator)
        if kind is MetricKind.MEAN:
            return Fraction(sum(values), len(values))
        middle = len(values) // 2
        if len(values) % 2:
            return Fraction(values[middle])
        return Fraction(values[middle - 1] + values[middle], 2)

    @property
    def value(self) -> Decimal | None:
        """The value as printed, rounded by the definition's rule (half-up); `None` if undefined."""
        exact = self.exact
        return None if exact is None else self.definition.rounding.apply(exact)

    def text(self) -> str:
        """The value as a report prints it: `64.3%`, `12`, `8.5` or `—` when undefined."""
        value = self.value
        if value is None:
            return "—"
        return f"{value}%" if self.definition.rounding.percent else str(value)

    def fraction_text(self) -> str:
        """`9/14` for a rate, `n=14` for a mean, median or distribution, `` for a count."""
        kind = self.definition.kind
        if kind is MetricKind.RATE:
            return f"{self.numerator_count}/{self.denominator_count}"
        return "" if kind is MetricKind.COUNT else f"n={self.denominator_count}"

    def buckets(self) -> tuple[Bucket, ...]:
        """A distribution's buckets, e.g. ≤30日, 31–60日, 61–90日, >90日."""
        bounds = self.definition.buckets
        groups: list[list[str]] = [[] for _ in range(len(bounds) + 1)]
        for problem_id in self.numerator:
            value = self.measures[problem_id]
            index = next((n for n, bound in enumerate(bounds) if value <= bound), len(bounds))
            groups[index].append(problem_id)
        labels = [f"≤{bounds[0]}日"] if bounds else []
        labels += [f"{low + 1}–{high}日" for low, high in pairwise(bounds)]
        labels += [f">{bounds[-1]}日"] if bounds else ["全部"]
        return tuple(Bucket(label, tuple(ids)) for label, ids in zip(labels, groups, strict=True))

    def merge(self, other: Figure) -> Figure:
        """This figure and `other` (same metric) over the union of their problems."""
        if other.definition != self.definition:
            raise ValidationError(
                "definition", other.definition.name, f"cannot merge into {self.definition.name}"
            )
        if self.summary or other.summary:  # overlapping problems would be counted twice
            raise ValidationError("drill_down", False, "summary figures have no ids to merge exactly")
        return Figure(
            self.definition,
            tuple(sorted({*self.numerator, *other.numerator})),
            tuple(sorted({*self.denominator, *other.denominator})),
            {**self.measures, **other.measures},
        )


@attrs.frozen(slots=True)
class GroupFigures:
    """Every metric's figure for one group (`key` `None` for the total, 合计)."""

    key: str | None
    label: str
    figures: tuple[Figure, ...]

    def figure(self, metric: str) -> Figure:
        """The figure of the metric named `metric`."""
        for figure in self.figures:
            if figure.definition.name == metric:
                return figure
        names = ", ".join(f.definition.name for f in self.figures)
        raise ValidationError("metric", metric, f"not computed here; computed: {names}")


@attrs.frozen(slots=True)
class MetricsResult:
    """Figures as of one instant: the total and, if grouped, one row per group (sorted by key).

    `then_by` is the second grouping of a cross grouping (交叉分组): the
    groups are then sorted by their first key, then their second.
    `filters` records any restriction of the problems counted (e.g. the
    period of assignment) in words, so a report can print it.
    """

    as_of: datetime
    definitions: tuple[MetricDefinition, ...]
    total: GroupFigures
    grouping: Grouping | None = None
    groups: tuple[GroupFigures, ...] = ()
    filters: tuple[str, ...] = ()
    then_by: Grouping | None = None

    @property
    def groupings(self) -> tuple[Grouping, ...]:
        """The groupings in order: none, one, or two for a cross grouping."""
        return tuple(g for g in (self.grouping, self.then_by) if g is not None)

    @property
    def grouping_label_zh(self) -> str | None:
        """What the groups are, in Chinese: `主办部门 × 交办月份` (`None` when not grouped)."""
        return cross_key(*(g.label_zh for g in self.groupings)) or None

    def group(self, key: str, *then: str) -> GroupFigures:
        """The row of group `key` (`group("430800-zgj", "2025-03")` for a cross group).

        A `ValidationError` listing the keys if there is no such group.
        """
        wanted = cross_key(key, *then)
        for row in self.groups:
            if row.key == wanted:
                return row
        keys = ", ".join(str(g.key) for g in self.groups) or "none (not grouped)"
        raise ValidationError("group", wanted, f"no such group; groups: {keys}")

    def figure(self, metric: str, group: str | tuple[str, ...] | None = None) -> Figure:
        """The figure of `metric`, for the total or for group `group` (a tuple of keys for a cross group)."""
        if group is None:
            return self.total.figure(metric)
        keys = (group,) if isinstance(group, str) else group
        return self.group(*keys).figure(metric)
