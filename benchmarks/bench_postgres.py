"""Benchmark: PostgreSQL (and SQLite) storage beside the raw SQL it needs.

Run from the repository root, with PostgreSQL up (``GOVBIZ_TEST_POSTGRES``,
default ``postgresql://postgres@127.0.0.1:5432/test``)::

    .venv/bin/python benchmarks/bench_postgres.py                     # ~10 minutes
    .venv/bin/python benchmarks/bench_postgres.py --problems 2000 --open 5000   # a minute

Each measurement runs in one process beside its baseline, in a scratch
schema that is dropped afterwards:

1. **commands per second**: N scheduled problems go through assign -> sign ->
   progress -> result -> return visit, one `Ledger.handle` (one
   transaction) per command, on SQLite and on PostgreSQL.  Baseline: the
   same rows (captured from the ledger's run) written again on other
   problems of the same database by hand-written statements on a raw DB-API
   cursor, one COMMIT per command: the problem's conditional UPDATE, a
   DELETE and an INSERT of the department and clock rows that changed, the
   event, the outbox rows the command queued, and on PostgreSQL the
   event-log lock the ledger takes (``pg_advisory_xact_lock``) before the
   event.  Exactly the rows and locks the ledger writes; it reads nothing.
2. **deadline sweep**: `find_problems(ProblemQuery(due_before=T))` over M
   open assignments (generated with `govbiz_postgres.bulk.BulkStore`, i.e.
   through the Ledger), against the hand-written index query returning the
   same rows.
3. **metrics by department x month** over the same data:
   `PostgresMetricSource` against a hand-written GROUP BY.

A benchmark, not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' world builder

from govbiz_postgres import open_postgres
from govbiz_postgres.bulk import BulkStore
from govbiz_postgres.metrics import PostgresMetricSource, assigned_on
from govbiz_postgres.store import EVENT_LOG_LOCK
from govbiz_postgres.testing import server_url, temporary_schema

from govbiz import commands as c
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import Problem
from govbiz.ledger import Ledger
from govbiz.metrics import MetricRequest, standard_registry
from govbiz.metrics.grouping import Grouping
from govbiz.storage.port import ProblemQuery
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SQLStore, clock_rows, department_rows, event_row, problem_row
from tests.conftest import World, build_world

#: Assignments are spread over this long (the calendar covers the years ahead only so far).
SPREAD = timedelta(days=240)

# --- data through the library's bulk path ------------------------------------------------


def scheduled(store: SQLStore, count: int, *, batch: int = 1000) -> tuple[World, list[str]]:
    """A world with `count` problems collected, triaged and scheduled (bulk-loaded)."""
    world = build_world(Ledger(store))
    bulk = BulkStore(store, batch=batch)
    world.ledger = Ledger(bulk, clock=world.clock)
    ids = []
    for n in range(count):
        world.later(minutes=1)
        problem = world.collect(f"问题{n}")
        world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
        world.ledger.handle(
            world.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=world.session_id)
        )
        ids.append(problem.id)
    bulk.flush()
    world.ledger = Ledger(store, clock=world.clock)
    return world, ids


def open_assignments(store: SQLStore, count: int, *, batch: int = 2000) -> World:
    """`count` assigned problems whose cutoffs spread over years (bulk-loaded)."""
    world = build_world(Ledger(store))
    bulk = BulkStore(store, batch=batch)
    world.ledger = Ledger(bulk, clock=world.clock)
    step = SPREAD / count  # cutoffs spread over SPREAD, inside the calendar's years
    for n in range(count):
        world.later(seconds=step.total_seconds())
        world.assigned(f"问题{n}")
    bulk.flush()
    world.ledger = Ledger(store, clock=world.clock)
    return world


# --- 1. commands per second ----------------------------------------------------------------


def chain(world: World, problem_id: str) -> list[tuple[Any, c.Command]]:
    return [
        (world.chair, c.AssignProblem(problem_id=problem_id, lead="430800-zgj", co_handlers=("430800-zjj",))),
        (world.zgj, c.SignAssignment(problem_id=problem_id)),
        (world.zgj, c.ReportProgress(problem_id=problem_id, text="正在推进")),
        (world.zgj, c.ReportResult(problem_id=problem_id, outcome="solved", text="已办结")),
        (world.collector, c.RecordReturnVisit(problem_id=problem_id, satisfied=True)),
    ]


def commands_per_second(store: SQLStore, problems: int) -> dict[str, float]:
    world, ids = scheduled(store, 2 * problems)
    mine, theirs = ids[:problems], ids[problems:]
    with store.unit_of_work() as uow:
        start = {pid: uow.get_problem(pid) for pid in mine}  # scheduled, like theirs: no index rows yet
    captured: list[Problem] = []
    started = time.perf_counter()
    for problem_id in mine:
        for actor, command in chain(world, problem_id):
            world.later(minutes=5)
            captured.append(world.ledger.handle(actor, command))
    ledger_s = time.perf_counter() - started
    with store.unit_of_work() as uow:
        events = {(e.stream_id, e.version): e for pid in mine for e in uow.events("problem", pid)}
    queued = queued_rows(store)
    rename = dict(zip(mine, theirs, strict=True))
    writes = [(p, events[(p.id, p.version)], queued.get((p.id, p.version), [])) for p in captured]
    commands = raw_statements(store, writes, rename, start)
    raw_s = raw_writes(store, commands)
    count = len(captured)
    return {"commands": count, "ledger_per_s": count / ledger_s, "raw_per_s": count / raw_s}


def queued_rows(store: SQLStore) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The outbox rows the ledger queued, by the problem version whose event queued them."""
    with store.reading() as conn:
        rows = [dict(row) for row in conn.execute(sa.select(t.outbox)).mappings()]
    queued: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        stream, problem_id, version = row["key"].split(":")[:3]  # problem:<id>:v<version>:<trigger>:<channel>
        if stream == "problem":
            queued.setdefault((problem_id, int(version.removeprefix("v"))), []).append(row)
    return queued


#: One statement and its parameters (a list of tuples: one executemany).
Statement = tuple[str, tuple[Any, ...] | list[tuple[Any, ...]]]


def raw_statements(
    store: SQLStore,
    writes: list[tuple[Problem, DomainEvent, list[dict[str, Any]]]],
    rename: dict[str, str],
    start: dict[str, Problem | None],
) -> list[list[Statement]]:
    """The statements that write the ledger's rows again, on the problems `rename` maps to.

    Exactly the rows the ledger wrote, command by command: the problem row (a
    conditional UPDATE); the department and clock rows that differ from the
    problem's previous version (a DELETE of those gone or changed, an INSERT
    of the new ones); on PostgreSQL the event-log lock
    (``pg_advisory_xact_lock``) that keeps event positions in commit order;
    the event; the outbox rows the command queued.  Nothing is read.
    """
    raw = RawSQL("?" if store.engine.dialect.name == "sqlite" else "%s")
    previous = dict(start)
    commands = []
    for problem, event, outbox in writes:
        new_id = rename[problem.id]
        statements = [raw.update(problem, new_id)]
        statements += raw.index(
            t.problem_departments.c.department, department_rows, previous[problem.id], problem, new_id
        )
        statements += raw.index(t.problem_clocks.c.clock, clock_rows, previous[problem.id], problem, new_id)
        previous[problem.id] = problem
        if raw.mark == "%s":  # PostgreSQL
            statements.append((f"SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK})", ()))
        statements.append(raw.event(event, new_id))
        statements += raw.outbox(outbox, problem.id, new_id)
        commands.append(statements)
    return commands


@attrs.frozen
class RawSQL:
    """Hand-written statements with the DB-API parameter `mark` of a driver."""

    mark: str

    def sql(self, text: str) -> str:
        return text.replace("%s", self.mark)

    def insert(self, table: sa.Table, columns: list[str], rows: list[dict[str, Any]]) -> Statement:
        names = ", ".join(f'"{name}"' for name in columns)
        text = self.sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join(['%s'] * len(columns))})")
        return text, [tuple(row[c] for c in columns) for row in rows]

    def update(self, problem: Problem, new_id: str) -> Statement:
        row = problem_row(problem)
        data = json.dumps({**row["data"], "id": new_id}, ensure_ascii=False)
        text = self.sql(
            f"UPDATE {t.problems.name} SET state=%s, lead=%s, version=%s, updated_at=%s, last_hash=%s, "
            "data=%s WHERE id=%s AND version=%s"
        )
        values = (row["state"], row["lead"], row["version"], row["updated_at"], row["last_hash"], data)
        return text, (*values, new_id, row["version"] - 1)

    def index(
        self,
        key: sa.Column[str],
        rows: Callable[[Problem], list[dict[str, Any]]],
        old: Problem | None,
        problem: Problem,
        new_id: str,
    ) -> list[Statement]:
        before = {r[key.name]: r for r in rows(old)} if old is not None else {}
        after = {r[key.name]: r for r in rows(problem)}
        stale = [name for name, r in before.items() if after.get(name) != r]
        fresh = [{**r, "problem_id": new_id} for name, r in after.items() if before.get(name) != r]
        statements = []
        if stale:
            marks = ", ".join(["%s"] * len(stale))
            where = f"problem_id=%s AND {key.name} IN ({marks})"
            statements.append((self.sql(f"DELETE FROM {key.table.name} WHERE {where}"), (new_id, *stale)))
        if fresh:
            statements.append(self.insert(key.table, list(fresh[0]), fresh))
        return statements

    def event(self, event: DomainEvent, new_id: str) -> Statement:
        row = event_row(event)
        row.update(stream_id=new_id, payload=json.dumps(row["payload"], ensure_ascii=False))
        text, rows = self.insert(t.events, [c.name for c in t.events.columns if c.name != "position"], [row])
        return text, rows[0]

    def outbox(self, queued: list[dict[str, Any]], old_id: str, new_id: str) -> list[Statement]:
        rows = [
            {**r, "key": r["key"].replace(old_id, new_id), "recipients": json.dumps(r["recipients"]),
             "data": json.dumps(r["data"], ensure_ascii=False)}
            for r in queued
        ]  # fmt: skip
        return [self.insert(t.outbox, [c.name for c in t.outbox.columns], rows)] if rows else []


def raw_writes(store: SQLStore, commands: list[list[Statement]]) -> float:
    """Time `commands` on a raw DB-API cursor, one COMMIT per command."""
    raw = store.engine.raw_connection()
    cursor = raw.cursor()
    started = time.perf_counter()
    for statements in commands:
        for statement, parameters in statements:
            if isinstance(parameters, list):
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
        raw.commit()
    elapsed = time.perf_counter() - started
    raw.close()
    return elapsed


# --- 2 and 3. sweep and metrics -----------------------------------------------------------


def best(run: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def sweep_and_metrics(store: SQLStore, count: int) -> dict[str, Any]:
    started = time.perf_counter()
    world = open_assignments(store, count)
    generated_s = time.perf_counter() - started
    with store.writing() as conn:
        conn.exec_driver_sql("ANALYZE")
    as_of = world.clock.now() - SPREAD / 2  # about half are due by then

    def library() -> list[str]:
        with store.unit_of_work() as uow:
            return [p.id for p in uow.find_problems(ProblemQuery(due_before=as_of))]

    def hand_written() -> list[str]:
        query = sa.text(
            "SELECT p.id, p.data FROM problems p WHERE p.id IN "
            "(SELECT problem_id FROM problem_clocks WHERE cutoff <= :as_of) ORDER BY p.id"
        )
        with store.reading() as conn:
            return [row[0] for row in conn.execute(query, {"as_of": as_of})]

    sweep_s, swept = best(library, 3)
    raw_sweep_s, raw_swept = best(hand_written, 3)
    assert swept == raw_swept, "the two sweeps must return the same problems"
    source = PostgresMetricSource(store)
    definitions = standard_registry().select(["assigned", "completed", "completion_rate", "overdue"])
    request = MetricRequest(as_of=world.clock.now(), definitions=definitions, grouping=Grouping.DEPARTMENT)
    metrics_s, result = best(lambda: source.compute(request), 3)
    month = sa.func.to_char(assigned_on(), "YYYY-MM")
    lead = t.problems.c.lead
    by_hand = sa.select(lead, month, sa.func.count()).group_by(lead, month)
    source_month = MetricRequest(as_of=world.clock.now(), definitions=definitions, grouping=Grouping.MONTH)

    def raw_groups() -> list[Any]:
        with store.reading() as conn:
            return list(conn.execute(by_hand))

    raw_metrics_s, _ = best(raw_groups, 3)
    month_s, _ = best(lambda: source.compute(source_month), 3)
    return {
        "open": count,
        "generated_s": generated_s,
        "due": len(swept),
        "sweep_s": sweep_s,
        "raw_sweep_s": raw_sweep_s,
        "metrics_department_s": metrics_s,
        "metrics_month_s": month_s,
        "raw_group_by_s": raw_metrics_s,
        "groups": len(result.groups),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--problems", type=int, default=1000, help="problems taken through the 5-command chain"
    )
    parser.add_argument("--open", type=int, default=50_000, help="open assignments for the sweep and metrics")
    args = parser.parse_args()
    server = os.environ.get("GOVBIZ_TEST_POSTGRES") or server_url()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_store = open_sqlite(f"sqlite:///{Path(tmp) / 'bench.db'}")
        on_sqlite = commands_per_second(sqlite_store, args.problems)
        sqlite_store.close()
    with temporary_schema(server, prefix="govbiz_bench") as url:
        pg_store = open_postgres(url)
        on_pg = commands_per_second(pg_store, args.problems)
        pg_store.close()
    print("\n| store | commands | ledger commands/s | raw SQL commands/s | raw / ledger |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, figures in (("SQLite (file, WAL)", on_sqlite), ("PostgreSQL 15", on_pg)):
        ratio = figures["raw_per_s"] / figures["ledger_per_s"]
        print(
            f"| {name} | {figures['commands']} | {figures['ledger_per_s']:.0f} "
            f"| {figures['raw_per_s']:.0f} | {ratio:.2f}x |"
        )
    with temporary_schema(server, prefix="govbiz_bench") as url:
        pg_store = open_postgres(url)
        s = sweep_and_metrics(pg_store, args.open)
        pg_store.close()
    print(
        f"\n{s['open']} open assignments generated through the Ledger (BulkStore) in {s['generated_s']:.0f} s"
    )
    print("\n| query | library | hand-written | library / hand-written |")
    print("| --- | ---: | ---: | ---: |")
    rows = [
        (f"deadline sweep ({s['due']} due)", s["sweep_s"], s["raw_sweep_s"]),
        ("metrics by department (ids per figure)", s["metrics_department_s"], s["raw_group_by_s"]),
        ("metrics by month (ids per figure)", s["metrics_month_s"], s["raw_group_by_s"]),
    ]
    for name, library, hand in rows:
        print(f"| {name} | {library * 1000:.0f} ms | {hand * 1000:.0f} ms | {library / hand:.2f}x |")


if __name__ == "__main__":
    main()
