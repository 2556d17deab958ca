"""A check for SQL stores: the index rows agree with the problems they index."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from govbiz.storage.port import ProblemQuery
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.store import SQLStore, clock_rows, department_rows

__all__ = ["index_rows"]


def index_rows(store: SQLStore) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The department and clock rows stored, then as computed from every stored problem.

    The commit writes only the index rows that changed since the version it
    replaces, so after any sequence of commands the two must be equal.
    """
    tables = {"departments": t.problem_departments, "clocks": t.problem_clocks}
    with store.reading() as conn:
        stored = {
            name: _sorted(dict(row) for row in conn.execute(sa.select(table)).mappings())
            for name, table in tables.items()
        }
    with store.unit_of_work() as uow:
        problems = list(uow.find_problems(ProblemQuery()))
    computed = {
        "departments": _sorted(row for p in problems for row in department_rows(p)),
        "clocks": _sorted(row for p in problems for row in clock_rows(p)),
    }
    return stored, computed


def _sorted(rows: Any) -> list[Any]:
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))
