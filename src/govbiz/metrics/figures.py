"""Figures (统计数): a metric's value for one group, with the problems behind it.

A `Figure` keeps the ids of the problems in its numerator and its
denominator (and each one's measure, for means and medians), and computes its
value from them.  So every figure drills down to its problems (穿透到件),
and two figures merge exactly (a city's figure is its own and its counties'
ids together) instead of averaging averages.
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
from govbiz.metrics.grouping import Grouping

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
    """

    definition: MetricDefinition
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    measures: Mapping[str, int] = attrs.field(factory=dict, hash=False)

    @property
    def exact(self) -> Fraction | None:
        """The unrounded value (a percentage as a ratio); `None` when there is nothing to divide by."""
        kind = self.definition.kind
        if kind in (MetricKind.COUNT, MetricKind.DISTRIBUTION):
            return Fraction(len(self.numerator))
        if not self.denominator:
            return None
        if kind is MetricKind.RATE:
            return Fraction(len(self.numerator), len(self.denominator))
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
            return f"{len(self.numerator)}/{len(self.denominator)}"
        return "" if kind is MetricKind.COUNT else f"n={len(self.denominator)}"

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

    `filters` records any restriction of the problems counted (e.g. the
    period of assignment) in words, so a report can print it.
    """

    as_of: datetime
    definitions: tuple[MetricDefinition, ...]
    total: GroupFigures
    grouping: Grouping | None = None
    groups: tuple[GroupFigures, ...] = ()
    filters: tuple[str, ...] = ()

    def group(self, key: str) -> GroupFigures:
        """The row of group `key`; a `ValidationError` listing the keys if absent."""
        for row in self.groups:
            if row.key == key:
                return row
        keys = ", ".join(str(g.key) for g in self.groups) or "none (not grouped)"
        raise ValidationError("group", key, f"no such group; groups: {keys}")

    def figure(self, metric: str, group: str | None = None) -> Figure:
        """The figure of `metric`, for the total or for group `group`."""
        row = self.total if group is None else self.group(group)
        return row.figure(metric)
