"""Checks for SQL stores: index rows agree with their problems; driver writes equal Core's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from govbiz.ports.storage import ProblemQuery
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.driver import StatementRunner
from govbiz.storage.sql.outbox import entry_row
from govbiz.storage.sql.rows import clock_rows, department_rows, event_row, problem_row
from govbiz.storage.sql.store import SQLStore

__all__ = ["driver_and_core_rows", "index_rows"]


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


def driver_and_core_rows(store: SQLStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows one stored problem's writes leave, once through `DriverStatement`s, once through Core.

    Each stored problem row, event row and outbox row is written again under
    a new key, first by a `StatementRunner` (the command path), then by
    SQLAlchemy Core's own execution (which applies its type processors:
    UTC datetimes, JSON).  The stored values, read back untyped, must be
    equal apart from the key: the driver path binds exactly what Core binds.
    Call it on a store holding at least one problem, event and outbox entry.
    """
    with store.reading() as conn:
        problem = dict(conn.execute(sa.select(t.problems).limit(1)).mappings().one())
        event = dict(conn.execute(sa.select(t.events).limit(1)).mappings().one())
        outbox = dict(conn.execute(sa.select(t.outbox).limit(1)).mappings().one())
    with store.unit_of_work() as uow:
        stored = uow.get_problem(problem["id"])
        [first] = uow.events(event["stream"], event["stream_id"])[:1]
    assert stored is not None
    entry = next(e for e in store.outbox().entries(limit=100_000) if e.key == outbox["key"])
    rows = {"problem": problem_row(stored), "event": event_row(first), "outbox": entry_row(entry)}
    written: dict[str, list[dict[str, Any]]] = {"driver": [], "core": []}
    inserts = {name: sa.insert(t.metadata.tables[name]).inline() for name in ("problems", "events", "outbox")}
    for path, found_rows in written.items():
        new = {
            "problems": {**rows["problem"], "id": f"{path}-problem"},
            "events": {**rows["event"], "stream_id": f"{path}-event"},
            "outbox": {**rows["outbox"], "key": f"{path}-entry"},
        }
        with store.writing() as conn:
            run = StatementRunner(conn) if path == "driver" else None
            for name, row in new.items():
                if run is not None:
                    run.execute(store.statements.get(inserts[name], tuple(row)), row)
                else:
                    conn.execute(inserts[name], row)
            if run is not None:
                run.flush()
                run.close()
        with store.reading() as conn:
            for name, row in new.items():
                table = t.metadata.tables[name]
                key = table.primary_key.columns[0] if name != "events" else table.c.stream_id
                raw = sa.text(f"SELECT * FROM {name} WHERE {key.name} = :key")  # untyped: values as stored
                found = conn.execute(raw, {"key": row[key.name]}).mappings().one()
                found_rows.append({k: v for k, v in found.items() if k not in {"position", key.name}})
    return written["driver"], written["core"]


def _sorted(rows: Any) -> list[Any]:
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))
