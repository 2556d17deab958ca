"""Completion metrics counted in SQL (统计下推): a `MetricSource` on PostgreSQL.

`PostgresMetricSource` answers the same `govbiz.metrics.MetricRequest` as
`govbiz.metrics.PythonMetricSource`, with identical results (the same
problem ids behind every figure), but lets PostgreSQL do the work: one
`GROUP BY ... GROUPING SETS` query whose `FILTER`ed `array_agg`s collect the
ids of each figure for every group and the total.

Pushed down: counts and rates whose facts are decided by stored columns and
the problem's JSONB snapshot (assigned, completed, solved, in progress,
overdue, long-term, withdrawn, merged, rejected, and every combination as
numerator, denominator or exclusion), grouped by department, county, month,
category, enterprise or session, with the assignment period filter.  The
as-of instant must be at or after the last change of every problem counted
(the stored state is then the state as of it); overdue compares the running
clocks' cutoffs (`problem_clocks`) with it.

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
from govbiz.metrics.grouping import NONE_KEY, GroupContext, Grouping
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.store import SQLStore

__all__ = ["PUSHED_FACTS", "PUSHED_GROUPINGS", "PostgresMetricSource"]

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
    return sa.func.jsonb_typeof(_P.data["assignment"]) == "object"


def _completed() -> sa.ColumnElement[bool]:
    outcome = _text("result", "outcome")
    return sa.and_(_assigned(), _P.state.in_(_COMPLETED_STATES), outcome.is_not(None), outcome != "long_term")


def _overdue(as_of: datetime) -> sa.ColumnElement[bool]:
    k = t.problem_clocks.c
    running = sa.select(k.problem_id).where(
        k.problem_id == _P.id, k.clock.in_(sorted(DEPARTMENT_CLOCKS)), k.cutoff <= as_of
    )
    return sa.and_(_assigned(), running.exists())


def _fact_sql(fact: Fact, as_of: datetime) -> sa.ColumnElement[bool] | None:
    """`fact` as a condition on one `problems` row, or `None` if it is not pushed down."""
    by_state = {Fact.WITHDRAWN: "withdrawn", Fact.MERGED: "merged", Fact.REJECTED: "rejected"}
    by_state[Fact.LONG_TERM] = "long_term"
    if fact in by_state:
        return _P.state == by_state[fact]
    decided: dict[Fact, Callable[[], sa.ColumnElement[bool]]] = {
        Fact.ASSIGNED: _assigned,
        Fact.COMPLETED: _completed,
        Fact.SOLVED: lambda: sa.and_(_completed(), _text("result", "outcome") == "solved"),
        Fact.IN_PROGRESS: lambda: sa.and_(_assigned(), sa.not_(_completed()), _P.state != "withdrawn"),
        Fact.OVERDUE: lambda: _overdue(as_of),
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


def group_expression(grouping: Grouping) -> sa.ColumnElement[str]:
    """The SQL of `govbiz.metrics.grouping.group_key` for a pushed-down grouping."""
    if grouping is Grouping.MONTH:
        return sa.func.coalesce(sa.func.to_char(assigned_on(), "YYYY-MM"), NONE_KEY)
    column = {
        Grouping.DEPARTMENT: sa.case((_assigned(), _text("assignment", "lead"))),
        Grouping.COUNTY: _P.county,
        Grouping.CATEGORY: _P.category,
        Grouping.ENTERPRISE: _P.enterprise_id,
        Grouping.SESSION: _P.session_id,
    }[grouping]
    return sa.func.coalesce(sa.func.nullif(column, ""), NONE_KEY)


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
        if not self.pushable(request):
            return self._fallback().compute(request)
        return self._in_sql(request)

    def pushable(self, request: MetricRequest) -> bool:
        """True if `request` is answered by one SQL query (see the module docs)."""
        kinds_ok = all(d.kind in (MetricKind.COUNT, MetricKind.RATE) for d in request.definitions)
        facts_ok = all(_facts_of(d) <= PUSHED_FACTS for d in request.definitions)
        grouping_ok = request.grouping is None or request.grouping in PUSHED_GROUPINGS
        return kinds_ok and facts_ok and grouping_ok and self._current_at(request.as_of)

    def _scope(self) -> list[sa.ColumnElement[bool]]:
        return [_P.county.in_(sorted(self._counties))] if self._counties is not None else []

    def _current_at(self, as_of: datetime) -> bool:
        """True if no problem in scope changed after `as_of` (stored state = state as of it)."""
        changed = sa.func.coalesce(_P.updated_at, sa.cast(_text("collected_at"), sa.DateTime(timezone=True)))
        later = sa.select(_P.id).where(*self._scope(), changed > as_of).limit(1)
        with self._store.reading() as conn:
            return conn.execute(later).first() is None

    def _in_sql(self, request: MetricRequest) -> MetricsResult:
        definitions = request.definitions
        key = group_expression(request.grouping) if request.grouping is not None else sa.literal(NONE_KEY)
        columns: list[sa.ColumnElement[Any]] = [
            key.label("group_key"),
            sa.func.grouping(key).label("is_total"),
        ]
        for n, definition in enumerate(definitions):
            included, numerator = _conditions(definition, request.as_of)
            columns.append(_ids(sa.and_(included, numerator)).label(f"num_{n}"))
            columns.append(_ids(included).label(f"den_{n}"))
        where = [*self._scope(), *_period(request)]
        statement = (
            sa.select(*columns).where(*where).group_by(sa.func.grouping_sets(sa.tuple_(key), sa.tuple_()))
        )
        with self._store.reading() as conn:
            rows = list(conn.execute(statement).mappings())
        total = next((row for row in rows if row["is_total"]), None)
        groups = sorted((row for row in rows if not row["is_total"]), key=lambda row: str(row["group_key"]))
        return MetricsResult(
            as_of=request.as_of,
            definitions=definitions,
            total=self._row(None, total, definitions, None),
            grouping=request.grouping,
            groups=tuple(self._row(str(r["group_key"]), r, definitions, request.grouping) for r in groups)
            if request.grouping is not None
            else (),
            filters=request.filters(),
        )

    def _row(
        self,
        key: str | None,
        row: sa.RowMapping | None,
        definitions: tuple[MetricDefinition, ...],
        grouping: Grouping | None,
    ) -> GroupFigures:
        figures = []
        for n, definition in enumerate(definitions):
            numerator = sorted(row[f"num_{n}"] or ()) if row is not None else []
            denominator = sorted(row[f"den_{n}"] or ()) if row is not None else []
            if definition.kind is MetricKind.COUNT:
                numerator, denominator = denominator, []
            figures.append(Figure(definition, tuple(numerator), tuple(denominator), {}))
        return GroupFigures(
            key, self._context.label(grouping if key is not None else None, key or ""), tuple(figures)
        )

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


def _facts_of(definition: MetricDefinition) -> frozenset[Fact]:
    named = {definition.numerator, definition.population}
    return frozenset(named) | definition.exclusions


def _conditions(
    definition: MetricDefinition, as_of: datetime
) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """The population (minus exclusions) and the numerator fact, as SQL."""

    def fact(f: Fact) -> sa.ColumnElement[bool]:
        condition = _fact_sql(f, as_of)
        assert condition is not None  # pushable() checked
        return condition

    included = sa.and_(
        fact(definition.population), *[sa.not_(fact(f)) for f in sorted(definition.exclusions)]
    )
    return included, fact(definition.numerator)


def _ids(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.array_agg(_P.id).filter(condition)


def _period(request: MetricRequest) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if request.assigned_from is not None:
        conditions.append(assigned_on() >= request.assigned_from)
    if request.assigned_to is not None:
        conditions.append(assigned_on() <= request.assigned_to)
    return conditions
