"""Queries (查询) a SQL store runs for reads that filter: problems by `ProblemQuery`, the warning sweep.

Built with SQLAlchemy Core on the shared schema, so every dialect runs the
same SQL; a dialect may run them its own way (`Dialect.warning_clocks`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from govbiz.deadlines.warning import WarningLevel, WarningThresholds
from govbiz.ports.storage import ProblemQuery
from govbiz.storage.sql import schema as t

__all__ = ["LEVELS", "LEVEL_CODES", "gc_paused", "problem_conditions", "warning_query"]


def warning_query(thresholds: Mapping[str, WarningThresholds], *, coded: bool = False) -> sa.Select[Any]:
    """The running clocks at a warning level: one range scan per distinct set of dates.

    Counties sharing a calendar and policy share their dates, so a province
    sweep is usually a single `WHERE county IN (...) AND last_day <= ...`
    on `ix_problem_clocks_county_last_day`, with the level as a `CASE` over
    the same dates as `WarningThresholds.level`: its name, or with `coded`
    its `LEVEL_CODES` code as a ``SMALLINT`` (a driver can map a code to a
    `WarningLevel` without Python per row, see `govbiz_postgres.store.PostgresDialect`).
    """
    k = t.problem_clocks.c
    counties_by_dates: dict[WarningThresholds, list[str]] = {}
    for county, dates in sorted(thresholds.items()):
        counties_by_dates.setdefault(dates, []).append(county)
    parts = [
        sa.select(
            k.problem_id, k.county, k.clock, k.last_day, _level_case(dates, coded).label("level")
        ).where(k.county.in_(counties), k.last_day <= dates.approaching_through)
        for dates, counties in counties_by_dates.items()
    ]
    if len(parts) == 1:
        return parts[0].order_by(k.problem_id, k.clock)
    union = sa.union_all(*parts).subquery()
    return sa.select(union).order_by(union.c.problem_id, union.c.clock)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large result is turned into tuples.

    A province's sweep builds hundreds of thousands of rows and tuples of
    strings and dates, none of which can be part of a reference cycle; each
    few hundred allocations still start a collection that walks the growing
    list.  Measured over 89,669 clocks: 400 ms with the collector, 200 ms
    paused.  The previous state is restored afterwards (a caller that had
    paused it keeps it paused).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Warning levels by the names the SQL `CASE` gives.
LEVELS = {level.value: level for level in WarningLevel}
#: The small-integer code of each warning level, which `warning_query(coded=True)` gives.
LEVEL_CODES = {level: code for code, level in enumerate(WarningLevel)}


def _level_case(dates: WarningThresholds, coded: bool) -> sa.ColumnElement[Any]:
    day = t.problem_clocks.c.last_day

    def given(level: WarningLevel) -> Any:
        return LEVEL_CODES[level] if coded else level.value

    seriously = sa.and_(day <= dates.overdue_through, day < dates.seriously_before)
    case = sa.case(
        (seriously, given(WarningLevel.SERIOUSLY_OVERDUE)),
        (day <= dates.overdue_through, given(WarningLevel.OVERDUE)),
        (day <= dates.today, given(WarningLevel.DUE_TODAY)),
        else_=given(WarningLevel.APPROACHING),
    )
    return sa.cast(case, sa.SmallInteger) if coded else case


def problem_conditions(query: ProblemQuery) -> list[sa.ColumnElement[bool]]:
    """`query` as SQL conditions on `problems`; the same meaning as `ProblemQuery.matches`."""
    p = t.problems.c
    conditions: list[sa.ColumnElement[bool]] = []
    if query.counties is not None:
        conditions.append(p.county.in_(sorted(query.counties)))
    if query.states is not None:
        conditions.append(p.state.in_(sorted(s.value for s in query.states)))
    if query.department is not None:
        d = t.problem_departments.c
        conditions.append(p.id.in_(sa.select(d.problem_id).where(d.department == query.department)))
    if query.lead is not None:
        conditions.append(p.lead == query.lead)
    if query.enterprise_id is not None:
        conditions.append(p.enterprise_id == query.enterprise_id)
    if query.session_id is not None:
        conditions.append(p.session_id == query.session_id)
    if query.category is not None:
        conditions.append(p.category == query.category)
    if query.due_before is not None:
        # Only running clocks have rows, so a range scan on the cutoff index answers it.
        k = t.problem_clocks.c
        conditions.append(p.id.in_(sa.select(k.problem_id).where(k.cutoff <= query.due_before)))
    return conditions
