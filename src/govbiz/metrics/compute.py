"""Computing figures in one streaming pass (单次遍历统计).

`compute_metrics` is the entry point.  It asks a `MetricSource` for a
`MetricsResult`; the default `PythonMetricSource` reads problems one at a
time from a `ProblemSource`, turns each into its `ProblemFacts` and adds
its id to the figures it belongs to, keeping no problem once counted.  A
storage adapter that can compute the same facts in SQL implements
`MetricSource` itself and must return identical results.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol, runtime_checkable

import attrs

from govbiz.calendar import WorkingCalendar
from govbiz.clock import require_aware
from govbiz.domain.problem import Problem
from govbiz.errors import ValidationError
from govbiz.metrics.asof import ProblemSource, StoredProblems
from govbiz.metrics.definitions import MetricDefinition, MetricKind
from govbiz.metrics.facts import ProblemFacts, facts_of
from govbiz.metrics.figures import Figure, GroupFigures, MetricsResult
from govbiz.metrics.grouping import GroupContext, Grouping, cross_key, group_key, parse_grouping
from govbiz.metrics.registry import MetricRegistry, standard_registry

__all__ = ["MEASURED_KINDS", "MetricRequest", "MetricSource", "PythonMetricSource", "compute_metrics"]


#: Kinds whose value needs every problem's measure, so a summary (counts only) cannot give them.
MEASURED_KINDS = frozenset({MetricKind.MEAN, MetricKind.MEDIAN, MetricKind.DISTRIBUTION})


@attrs.frozen(slots=True)
class MetricRequest:
    """What to compute: which metrics, as of when, grouped how, over which problems.

    `assigned_from` and `assigned_to` (inclusive, Beijing-time days)
    keep only problems first assigned in that period.  `then_by` crosses
    `grouping` with a second grouping (交叉分组): `grouping=Grouping.DEPARTMENT,
    then_by=Grouping.MONTH` gives one group per department and month
    (部门×月份).  `drill_down=False` asks for a summary (汇总表): figures
    carry counts instead of problem ids, which is all a province-scale table
    needs; means, medians and distributions need every problem's measure, so
    a summary refuses them (a `ValidationError` on `drill_down`).
    """

    as_of: datetime
    definitions: tuple[MetricDefinition, ...]
    grouping: Grouping | None = None
    assigned_from: date | None = None
    assigned_to: date | None = None
    then_by: Grouping | None = None
    drill_down: bool = True

    def __attrs_post_init__(self) -> None:
        if self.then_by is not None and self.grouping is None:
            raise ValidationError("then_by", self.then_by, "a second grouping needs a first (grouping=)")
        if self.then_by is not None and self.then_by is self.grouping:
            raise ValidationError("then_by", self.then_by, "is already the first grouping")
        measured = [d.name for d in self.definitions if d.kind in MEASURED_KINDS]
        if not self.drill_down and measured:
            names = ", ".join(measured)
            raise ValidationError(
                "drill_down", False, f"{names} need each problem's measure; a summary counts only"
            )

    @property
    def groupings(self) -> tuple[Grouping, ...]:
        """The groupings in order: none, one, or two for a cross grouping."""
        return tuple(g for g in (self.grouping, self.then_by) if g is not None)

    def keeps(self, facts: ProblemFacts) -> bool:
        """True if the problem is in the requested period (always, without one)."""
        if self.assigned_from is None and self.assigned_to is None:
            return True
        day = facts.assigned_on
        if day is None:
            return False
        return (self.assigned_from is None or day >= self.assigned_from) and (
            self.assigned_to is None or day <= self.assigned_to
        )

    def filters(self) -> tuple[str, ...]:
        """The period in words, for reports."""
        if self.assigned_from is None and self.assigned_to is None:
            return ()
        start = self.assigned_from.isoformat() if self.assigned_from else "…"
        end = self.assigned_to.isoformat() if self.assigned_to else "…"
        return (f"首次交办日期 {start} 至 {end}",)


@runtime_checkable
class MetricSource(Protocol):
    """Whatever computes a `MetricRequest` (in Python, or pushed down to a database)."""

    def compute(self, request: MetricRequest) -> MetricsResult:
        """The figures the request asks for."""
        ...


@attrs.define
class _Tally:
    """The ids (or, for a summary, the counts) so far for one figure (private, mutable while streaming)."""

    drill_down: bool = True
    numerator: list[str] = attrs.Factory(list)
    denominator: list[str] = attrs.Factory(list)
    measures: dict[str, int] = attrs.Factory(dict)
    numerator_count: int = 0
    denominator_count: int = 0

    def add(self, definition: MetricDefinition, facts: ProblemFacts) -> None:
        if not definition.includes(facts.facts):
            return
        if definition.measure is not None:
            value = facts.measures.get(definition.measure)
            if value is None:  # cannot happen for the standard facts; never count half a problem
                return
            self.measures[facts.problem_id] = value
        if definition.kind is not MetricKind.COUNT:
            self.denominator_count += 1
            if self.drill_down:
                self.denominator.append(facts.problem_id)
        if definition.kind is not MetricKind.RATE or definition.numerator in facts.facts:
            self.numerator_count += 1
            if self.drill_down:
                self.numerator.append(facts.problem_id)

    def figure(self, definition: MetricDefinition) -> Figure:
        if not self.drill_down:
            return Figure(
                definition, numerator_count=self.numerator_count, denominator_count=self.denominator_count
            )
        return Figure(
            definition, tuple(sorted(self.numerator)), tuple(sorted(self.denominator)), self.measures
        )


class PythonMetricSource:
    """The pure-Python `MetricSource`: one pass over a `ProblemSource`.

    `calendar` counts working days (the national calendar by default);
    `context` provides chairs, cities and labels for grouping.
    """

    def __init__(
        self,
        problems: ProblemSource,
        *,
        context: GroupContext | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self._problems = problems
        self._context = context or GroupContext()
        self._calendar = calendar

    def compute(self, request: MetricRequest) -> MetricsResult:
        """Stream the problems once and return the figures."""
        calendar = self._calendar or _national_calendar()
        definitions, groupings = request.definitions, request.groupings

        def tallies() -> list[_Tally]:
            return [_Tally(request.drill_down) for _ in definitions]

        total = tallies()
        groups: dict[tuple[str, ...], list[_Tally]] = {}
        for problem in self._problems.problems_as_of(request.as_of):
            facts = facts_of(problem, request.as_of, calendar)
            if not request.keeps(facts):
                continue
            rows = [total]
            if groupings:
                keys = tuple(group_key(facts, g, self._context) for g in groupings)
                rows.append(groups.setdefault(keys, tallies()))
            for row in rows:
                for tally, definition in zip(row, definitions, strict=True):
                    tally.add(definition, facts)
        return MetricsResult(
            as_of=request.as_of,
            definitions=definitions,
            total=self._row((), total, definitions, ()),
            grouping=request.grouping,
            groups=tuple(self._row(k, groups[k], definitions, groupings) for k in sorted(groups)),
            filters=request.filters(),
            then_by=request.then_by,
        )

    def _row(
        self,
        keys: tuple[str, ...],
        tallies: list[_Tally],
        definitions: tuple[MetricDefinition, ...],
        groupings: tuple[Grouping, ...],
    ) -> GroupFigures:
        label = self._context.cross_label(groupings, keys)
        figures = tuple(t.figure(d) for t, d in zip(tallies, definitions, strict=True))
        return GroupFigures(cross_key(*keys) if keys else None, label, figures)


def _national_calendar() -> WorkingCalendar:
    from govbiz.calendar import china_calendar  # deferred: loads the holiday notices

    return china_calendar()


def compute_metrics(
    source: MetricSource | ProblemSource | Iterable[Problem],
    as_of: datetime,
    *,
    metrics: Iterable[str | MetricDefinition] | None = None,
    group_by: Grouping | str | None = None,
    then_by: Grouping | str | None = None,
    drill_down: bool = True,
    registry: MetricRegistry | None = None,
    context: GroupContext | None = None,
    calendar: WorkingCalendar | None = None,
    assigned_from: date | None = None,
    assigned_to: date | None = None,
) -> MetricsResult:
    """Compute `metrics` (names in `registry`, or definitions) as of the instant `as_of`.

    `source` is a `MetricSource`, a `ProblemSource` (e.g.
    `LedgerProblems(ledger, actor)`, which replays history for a past
    instant) or plain problems (used as they are: valid only if none changed
    after `as_of`).  `group_by` is a `Grouping` or its name, `then_by` a
    second one to cross it with (部门×月份: `group_by="department",
    then_by="month"`).  `drill_down=False` gives a summary (汇总表): counts
    without problem ids.  Unknown metric or grouping names raise
    `govbiz.errors.ValidationError`.
    """
    require_aware(as_of, "as_of")
    if assigned_from and assigned_to and assigned_to < assigned_from:
        raise ValidationError("assigned_to", assigned_to.isoformat(), "is before assigned_from")
    request = MetricRequest(
        as_of=as_of,
        definitions=(registry or standard_registry()).select(metrics),
        grouping=parse_grouping(group_by) if group_by is not None else None,
        assigned_from=assigned_from,
        assigned_to=assigned_to,
        then_by=parse_grouping(then_by, "then_by") if then_by is not None else None,
        drill_down=drill_down,
    )
    if not isinstance(source, MetricSource):
        problems = source if isinstance(source, ProblemSource) else StoredProblems(source)
        source = PythonMetricSource(problems, context=context, calendar=calendar)
    return source.compute(request)
