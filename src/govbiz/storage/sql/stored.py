"""What a SQL store holds, read as stored (存储核对): for `govbiz verify` to check against the events.

The command path reads a problem's snapshot and trusts its columns; the
checks here read the `state`, `lead` ... columns, the department and clock
rows and the registry rows *as they are*, so an edit of any of them, made
behind govbiz's back, shows as a difference from what the events say.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govbiz.ports.storage import RecordKind, StoredProblem, StoredRecord
from govbiz.storage import codec
from govbiz.storage.sql import schema as t

__all__ = ["stored_problems", "stored_records"]

_COLUMNS = ("county", "enterprise_id", "session_id", "category", "state", "lead", "version", "last_hash")


def stored_problems(conn: Connection) -> Iterator[StoredProblem]:
    """Every `problems` row with its department and clock rows, by id."""
    departments: dict[str, set[tuple[str, str]]] = {}
    for problem_id, department, role in conn.execute(sa.select(t.problem_departments)):
        departments.setdefault(problem_id, set()).add((department, role))
    clocks: dict[str, dict[str, tuple[datetime, date]]] = {}
    clock_table = t.problem_clocks
    statement = sa.select(
        clock_table.c.problem_id, clock_table.c.clock, clock_table.c.cutoff, clock_table.c.last_day
    )
    for problem_id, clock, cutoff, last_day in conn.execute(statement):
        clocks.setdefault(problem_id, {})[clock] = (cutoff, last_day)
    for row in conn.execute(sa.select(t.problems).order_by(t.problems.c.id)).mappings():
        key = row["id"]
        columns: dict[str, object] = {name: row[name] for name in _COLUMNS}
        index = (columns, frozenset(departments.pop(key, ())), clocks.pop(key, {}))
        try:
            problem = codec.decode_problem(row["data"])
        except Exception as error:
            yield StoredProblem(key, None, index, error=f"the snapshot cannot be read: {error}")
        else:
            yield StoredProblem(key, problem, index)
    for orphan in sorted({*departments, *clocks}):  # index rows whose problem row is gone
        index = ({}, frozenset(departments.get(orphan, ())), clocks.get(orphan, {}))
        yield StoredProblem(orphan, None, index, error="index rows without a problem row")


def stored_records(conn: Connection) -> Iterator[StoredRecord]:
    """Every `records` row, by kind and key."""
    statement = sa.select(t.records).order_by(t.records.c.kind, t.records.c.key)
    for row in conn.execute(statement).mappings():
        yield _record(row)


def _record(row: Any) -> StoredRecord:
    try:
        kind = RecordKind(row["kind"])
    except ValueError:
        return StoredRecord(RecordKind.DIVISION, row["key"], row["county"], row["version"], None,
                            error=f"unknown record kind {row['kind']!r}")  # fmt: skip
    try:
        record = codec.decode_record(kind, row["data"])
    except Exception as error:
        return StoredRecord(kind, row["key"], row["county"], row["version"], None,
                            error=f"the record cannot be read: {error}")  # fmt: skip
    return StoredRecord(kind, row["key"], row["county"], row["version"], record)
