"""The statements of the command path (命令语句), built once as SQLAlchemy Core.

Building a statement and computing its cache key on every call cost more
Python time than the database took to run it, so the few statements a
command runs are built here, at import, and compiled once per dialect by
the store's `govbiz.storage.sql.driver.StatementCache`.  Parameter names
are part of each statement's contract: a state table's key is bound as
``key_<column>`` and the version it replaces as ``expected``; an index
table's rows by ``problem_id`` (and ``key``, the one row to delete).
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from govbiz.storage.sql import schema as t

__all__ = [
    "CLOCK_INDEX",
    "DEPARTMENT_INDEX",
    "EVENT_COLUMNS",
    "GET_PROBLEM",
    "GET_RECORD",
    "INSERT_EVENT",
    "PROBLEM_STATE",
    "RECORD_STATE",
    "IndexStatements",
    "StateStatements",
]

#: A problem's version, and its snapshot unless the version is the one already known (``known``).
GET_PROBLEM = sa.select(
    t.problems.c.version,
    sa.type_coerce(
        sa.case((t.problems.c.version == sa.bindparam("known"), sa.null()), else_=t.problems.c.data),
        t.JSONDocument,
    ),
).where(t.problems.c.id == sa.bindparam("id"))

#: A registry record's snapshot, by ``kind`` and ``key``.
GET_RECORD = sa.select(t.records.c.data).where(
    t.records.c.kind == sa.bindparam("kind"), t.records.c.key == sa.bindparam("key")
)

#: One event, as `govbiz.storage.sql.rows.event_row` gives it (no RETURNING of the position).
INSERT_EVENT = sa.insert(t.events).inline()

#: The columns of an `events` row as `event_row` gives them (the position is the database's).
EVENT_COLUMNS = tuple(c.name for c in t.events.columns if c.name != "position")


class StateStatements(NamedTuple):
    """A state table's statements: its key bound as ``key_<column>``, the version as ``expected``."""

    version: sa.Select[int]
    insert: sa.Insert
    update: sa.Update  # the SET clause comes from the row given to execute
    fixed: frozenset[str]  # columns an update never sets: the key and what never changes


def _state_statements(table: sa.Table, *key: str, fixed: tuple[str, ...] = ()) -> StateStatements:
    where = [table.c[name] == sa.bindparam(f"key_{name}") for name in key]
    return StateStatements(
        version=sa.select(table.c.version).where(*where),
        insert=sa.insert(table),
        update=sa.update(table).where(*where, table.c.version == sa.bindparam("expected")),
        fixed=frozenset((*key, *fixed)),
    )


#: A problem never moves to another county or enterprise: an update leaves those columns
#: (and their indexes) alone, which keeps the statement and its WAL record smaller.
PROBLEM_STATE = _state_statements(t.problems, "id", fixed=("county", "enterprise_id"))
RECORD_STATE = _state_statements(t.records, "kind", "key", fixed=("county",))


class IndexStatements(NamedTuple):
    """An index table's statements, bound by ``problem_id`` (and ``key``, one row's key to delete)."""

    key: sa.Column[str]  # the column naming a row among a problem's rows
    delete_all: sa.Delete
    delete: sa.Delete
    insert: sa.Insert
    columns: tuple[str, ...]


def _index_statements(key: sa.Column[str]) -> IndexStatements:
    table = key.table
    mine = table.c.problem_id == sa.bindparam("problem_id")
    return IndexStatements(
        key=key,
        delete_all=sa.delete(table).where(mine),
        delete=sa.delete(table).where(mine, key == sa.bindparam("key")),
        insert=sa.insert(table),
        columns=tuple(c.name for c in table.columns),
    )


#: A problem's departments (主办、协办) and its running clocks, each row named by its key column.
DEPARTMENT_INDEX = _index_statements(t.problem_departments.c.department)
CLOCK_INDEX = _index_statements(t.problem_clocks.c.clock)
