"""Completion metrics counted in SQL (统计下推): a `MetricSource` on PostgreSQL.

`PostgresMetricSource` answers the same `govbiz.metrics.MetricRequest` as
`govbiz.metrics.PythonMetricSource`, with identical results (the same
problem ids behind every figure), but lets PostgreSQL do the work: one
`GROUP BY ... GROUPING SETS` query whose `FILTER`ed `array_agg`s collect the
ids of each figure for every group and the total, or, for a summary
(`drill_down=False`, 汇总表), whose `count(*) FILTER`s count them.  A
subquery computes each fact once per problem; the aggregates read its
boolean columns.

Pushed down: counts and rates whose facts are decided by stored columns and
the problem's JSONB snapshot (assigned, completed, solved, in progress,
overdue, long-term, withdrawn, merged, rejected, and every combination as
numerator, denominator or exclusion), grouped by department, county, month,
category, enterprise or session, or by two of them crossed (department ×
month ...), with the assignment period filter.  The
as-of instant must be at or after the last change of every problem counted
(the stored state is then the state as of it); the query checks that in
the same pass and, if a problem changed later, the Python fallback answers.
Overdue compares the running clocks' cutoffs (`problem_clocks`) with it.

Anything else (an earlier instant, means, medians, distributions, feedback
and satisfaction facts, grouping by chair or city) is computed by the
`PythonMetricSource` over the same problems, replayed from their events, so
a caller never has to know which path answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from govbiz.calendar import WorkingCalendar
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM
from govbiz.metrics.asof import ReplayedStreams
from govbiz.metrics.compute import MetricRequest, PythonMetricSource
from govbiz.metrics.definitions import Fact, MetricDefinition, MetricKind
from govbiz.metrics.facts import DEPARTMENT_CLOCKS
from govbiz.metrics.figures import Figure, GroupFigures, MetricsResult
from govbiz.metrics.grouping import NONE_KEY, GroupContext, Grouping, cross_key
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.store import SQLStore

__all__ = ["PUSHED_FACTS", "PUSHED_GROUPINGS", "PostgresMetricSource", "group_expression"]

_P = t.problems.c
_BEIJING = "Asia/Shanghai"
_COMPLETED_STATES = ("result_reported", "closed")

#: Groupings computed in SQL; the others fall back to Python.
PUSHED_GROUPINGS = frozenset(
    {
        Grouping.DEPARTMENT,
        Grouping.COUNTY,
        Grouping.MONTH,
        Grouping.CATEGORY,
        Grouping.ENTERPRISE,
        Grouping.SESSION,
    }
)


def _text(*path: str | int) -> sa.ColumnElement[str]:
    """The JSON value at `path` in the problem's snapshot, as text (`#>>` on PostgreSQL)."""
    text: sa.ColumnElement[str] = _P.data[path if len(path) > 1 else path[0]].as_string()
    return text


def _assigned() -> sa.ColumnElement[bool]:
    # The `lead` column is the current assignment's lead, written with every snapshot
    # (`problem_row`): not null exactly when the problem has an assignment, and no JSON to read.
    return _P.lead.is_not(None)


def _completed() -> sa.ColumnElement[bool]:
    outcome = _text("result", "outcome")
    # State first: PostgreSQL stops at the first false operand, so most rows never read the JSON.
    return sa.and_(_P.state.in_(_COMPLETED_STATES), _assigned(), outcome.is_not(None), outcome != "long_term")


def _overdue_ids(as_of: datetime, counties: frozenset[str] | None) -> sa.Subquery:
    """The problems with a department clock (签收、反馈、办结) past its cutoff at `as_of`."""
    k = t.problem_clocks.c
    where = [k.clock.in_(sorted(DEPARTMENT_CLOCKS)), k.cutoff <= as_of]
    if counties is not None:
        where.append(k.county.in_(sorted(counties)))
    return sa.select(k.problem_id).where(*where).distinct().subquery("overdue")


def _fact_sql(fact: Fact, overdue: sa.Subquery | None) -> sa.ColumnElement[bool] | None:
    """`fact` as a condition on one `problems` row (joined to `overdue`), or `None` if not pushed down."""
    by_state = {Fact.WITHDRAWN: "withdrawn", Fact.MERGED: "merged", Fact.REJECTED: "rejected"}
    by_state[Fact.LONG_TERM] = "long_term"
    if fact in by_state:
        return _P.state == by_state[fact]
    if fact is Fact.OVERDUE:
        return None if overdue is None else sa.and_(_assigned(), overdue.c.problem_id.is_not(None))
    decided: dict[Fact, Callable[[], sa.ColumnElement[bool]]] = {
        Fact.ASSIGNED: _assigned,
        Fact.COMPLETED: _completed,
        Fact.SOLVED: lambda: sa.and_(_completed(), _text("result", "outcome") == "solved"),
        Fact.IN_PROGRESS: lambda: sa.and_(_assigned(), sa.not_(_completed()), _P.state != "withdrawn"),
    }
    return decided[fact]() if fact in decided else None


#: Facts `_fact_sql` decides.
PUSHED_FACTS = frozenset(
    {
        Fact.ASSIGNED, Fact.COMPLETED, Fact.SOLVED, Fact.IN_PROGRESS, Fact.OVERDUE,
        Fact.LONG_TERM, Fact.WITHDRAWN, Fact.MERGED, Fact.REJECTED,
    }
)  # fmt: skip


def assigned_on() -> sa.ColumnElement[date]:
    """The Beijing-time day of the first assignment (the earliest kept, else the current one)."""
    first = sa.func.coalesce(
        _text("previous_assignments", 0, "assigned_at"), _text("assignment", "assigned_at")
    )
    return sa.cast(sa.func.timezone(_BEIJING, sa.cast(first, sa.DateTime(timezone=True))), sa.Date())


def group_value(grouping: Grouping) -> sa.ColumnElement[str]:
    """The value a problem is grouped by, before `group_key_of` (null or empty when it has none)."""
    if grouping is Grouping.MONTH:
        return sa.func.to_char(assigned_on(), "YYYY-MM")
    return {
        Grouping.DEPARTMENT: _P.lead,
        Grouping.COUNTY: _P.county,
        Grouping.CATEGORY: _P.category,
        Grouping.ENTERPRISE: _P.enterprise_id,
        Grouping.SESSION: _P.session_id,
    }[grouping]


def group_key_of(value: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """A group value as a group key: `NONE_KEY` when null or empty, as `group_key` does."""
    return sa.func.coalesce(sa.func.nullif(value, ""), NONE_KEY)


def group_expression(grouping: Grouping) -> sa.ColumnElement[str]:
    """The SQL of `govbiz.metrics.grouping.group_key` for a pushed-down grouping."""
    return group_key_of(group_value(grouping))


class PostgresMetricSource:
    """Metrics over the problems of `counties` (all if `None`) in a PostgreSQL store.

    `context` labels groups; `calendar` is used only by the Python fallback.
    """

    def __init__(
        self,
        store: SQLStore,
        *,
        counties: frozenset[str] | None = None,
        context: GroupContext | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self._store = store
        self._counties = counties
        self._context = context or GroupContext()
        self._calendar = calendar

    def compute(self, request: MetricRequest) -> MetricsResult:
        """The figures `request` asks for: in SQL when it can be, else in Python."""
        if self._expressible(request):
            result = self._in_sql(request)
            if result is not None:
                return result
        return self._fallback().compute(request)

    def pushable(self, request: MetricRequest) -> bool:
        """True if `request` is answered by one SQL query (see the module docs)."""
        return self._expressible(request) and self._current_at(request.as_of)

    def _expressible(self, request: MetricRequest) -> bool:
        """True if SQL can state every metric and grouping of `request` (the as-of instant aside)."""
        kinds_ok = all(d.kind in (MetricKind.COUNT, MetricKind.RATE) for d in request.definitions)
        facts_ok = all(_facts_of(d) <= PUSHED_FACTS for d in request.definitions)
        return kinds_ok and facts_ok and set(request.groupings) <= PUSHED_GROUPINGS

    def _scope(self) -> list[sa.ColumnElement[bool]]:
        return [_P.county.in_(sorted(self._counties))] if self._counties is not None else []

    def _current_at(self, as_of: datetime) -> bool:
        """True if no problem in scope changed after `as_of` (stored state = state as of it)."""
        later = sa.select(_P.id).where(*self._scope(), _changed_after(as_of)).limit(1)
        with self._store.reading() as conn:
            return conn.execute(later).first() is None

    def _in_sql(self, request: MetricRequest) -> MetricsResult | None:
        """The result from one query, or `None` if a problem counted changed after `request.as_of`."""
        facts = self._facts(request)
        # Grouped by the plain columns' keys out here, so the planner sees their statistics (a
        # few dozen departments, not "unknown") and counts groups in a hash table, not a sort.
        keys = [group_key_of(facts.c[f"value_{n}"]).label(f"key_{n}") for n in range(len(request.groupings))]
        columns = [*keys, *_aggregates(request, facts)]
        # Checked in the same pass: a problem counted that changed after as_of makes the stored
        # state useless, and a second scan of the table would cost as much as the figures.  Rows
        # the period filter leaves out need no check: a first assignment, once made, never
        # changes, so a problem outside the period now was outside it (or unassigned) at as_of.
        columns.append(sa.func.bool_or(facts.c.changed).label("changed"))
        statement = sa.select(*columns)
        if keys:
            statement = statement.add_columns(sa.func.grouping(*keys).label("is_total")).group_by(
                sa.func.grouping_sets(sa.tuple_(*keys), sa.tuple_())
            )
        with self._store.reading() as conn:
            rows = list(conn.execute(statement).mappings())
        total = next(row for row in rows if not keys or row["is_total"])
        if total["changed"]:
            return None
        groups = sorted(
            (tuple(str(row[k.name]) for k in keys), row) for row in rows if keys and not row["is_total"]
        )
        definitions = request.definitions
        return MetricsResult(
            as_of=request.as_of,
            definitions=definitions,
            total=self._row((), total, request),
            grouping=request.grouping,
            groups=tuple(self._row(k, row, request) for k, row in groups),
            filters=request.filters(),
            then_by=request.then_by,
        )

    def _facts(self, request: MetricRequest) -> sa.Subquery:
        """One row per problem counted: its group keys and the facts the metrics need (单件事实).

        Each fact is computed once per problem here, however many figures use it; the
        aggregates above then read small boolean columns instead of the JSON snapshot.
        """
        needed = frozenset().union(*(_facts_of(d) for d in request.definitions))
        overdue = _overdue_ids(request.as_of, self._counties) if Fact.OVERDUE in needed else None
        source: sa.FromClause = t.problems
        if overdue is not None:
            source = t.problems.outerjoin(overdue, overdue.c.problem_id == _P.id)
        columns: list[sa.ColumnElement[Any]] = [
            group_value(g).label(f"value_{n}") for n, g in enumerate(request.groupings)
        ]
        columns += [_fact_column(f, overdue) for f in sorted(needed)]
        columns.append(_changed_after(request.as_of).label("changed"))
        if request.drill_down:
            columns.append(_P.id.label("id"))
        where = [*self._scope(), *_period(request)]
        # OFFSET 0 keeps PostgreSQL from inlining the subquery, which would evaluate every
        # fact again in each FILTER that uses it and carry the JSON snapshot into the GROUP BY.
        return sa.select(*columns).select_from(source).where(*where).offset(_ZERO).subquery("facts")

    def _row(self, keys: tuple[str, ...], row: sa.RowMapping, request: MetricRequest) -> GroupFigures:
        figures = []
        for n, definition in enumerate(request.definitions):
            numerator = row[f"num_{n}"]
            denominator = row[f"den_{n}"] if definition.kind is MetricKind.RATE else None
            if not request.drill_down:
                figures.append(
                    Figure(definition, numerator_count=numerator, denominator_count=denominator or 0)
                )
                continue
            ids = tuple(sorted(numerator or ()))
            population = tuple(sorted(denominator or ()))
            figures.append(Figure(definition, ids, population, {}))
        groupings = request.groupings if keys else ()
        label = self._context.cross_label(groupings, keys)
        return GroupFigures(cross_key(*keys) if keys else None, label, tuple(figures))

    def _fallback(self) -> PythonMetricSource:
        return PythonMetricSource(
            ReplayedStreams(self._streams()), context=self._context, calendar=self._calendar
        )

    def _streams(self) -> Iterator[list[DomainEvent]]:
        ids = sa.select(_P.id).where(*self._scope()).order_by(_P.id)
        with self._store.reading() as conn:
            problem_ids = list(conn.execute(ids).scalars())
        for problem_id in problem_ids:
            with self._store.unit_of_work() as uow:
                yield uow.events(STREAM, problem_id)


#: OFFSET 0, written as a literal so the statement reads as it runs.
_ZERO: sa.ColumnElement[int] = sa.literal_column("0")


def _changed_after(as_of: datetime) -> sa.ColumnElement[bool]:
    """True for a problem whose stored state is later than `as_of` (its last change is after it)."""
    changed = sa.func.coalesce(_P.updated_at, sa.cast(_text("collected_at"), sa.DateTime(timezone=True)))
    return changed > as_of


def _facts_of(definition: MetricDefinition) -> frozenset[Fact]:
    named = {definition.numerator, definition.population}
    return frozenset(named) | definition.exclusions


def _fact_column(fact: Fact, overdue: sa.Subquery | None) -> sa.ColumnElement[bool]:
    condition = _fact_sql(fact, overdue)
    assert condition is not None  # _expressible() checked
    return condition.label(fact.value)


def _aggregates(request: MetricRequest, facts: sa.Subquery) -> list[sa.ColumnElement[Any]]:
    """Per metric: the population (minus exclusions) and, for a rate, the numerator among it.

    A count of each (`count(*) FILTER`) for a summary, else the ids (`array_agg(id) FILTER`).
    """

    def collect(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
        if request.drill_down:
            return sa.func.array_agg(facts.c.id).filter(condition)
        return sa.func.count().filter(condition)

    columns: list[sa.ColumnElement[Any]] = []
    for n, definition in enumerate(request.definitions):
        excluded = [sa.not_(facts.c[f.value]) for f in sorted(definition.exclusions)]
        included = sa.and_(facts.c[definition.population.value], *excluded)
        if definition.kind is MetricKind.RATE:
            columns.append(collect(sa.and_(included, facts.c[definition.numerator.value])).label(f"num_{n}"))
            columns.append(collect(included).label(f"den_{n}"))
        else:
            columns.append(collect(included).label(f"num_{n}"))
    return columns


def _period(request: MetricRequest) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if request.assigned_from is not None:
        conditions.append(assigned_on() >= request.assigned_from)
    if request.assigned_to is not None:
        conditions.append(assigned_on() <= request.assigned_to)
    return conditions
