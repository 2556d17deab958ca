"""Benchmark: PostgreSQL (and SQLite) storage beside the raw SQL it needs.

Run from the repository root, with PostgreSQL up (``GOVBIZ_TEST_POSTGRES``,
default ``postgresql://postgres@127.0.0.1:5432/test``)::

    .venv/bin/python benchmarks/bench_postgres.py --problems 200 --open 2000    # a minute
    .venv/bin/python benchmarks/bench_postgres.py --open 1000000 --keep-schema govbiz_bench_1m

Each measurement runs in one process beside its baseline, in a scratch
schema that is dropped afterwards (or, for parts 2 and 3, the schema
``--keep-schema`` names, generated once and reused):

1. **commands per second**: N scheduled problems go through assign -> sign ->
   progress -> result -> return visit, one `Ledger.handle` (one
   transaction) per command, on SQLite and on PostgreSQL.  Baseline: the
   same rows (captured from the ledger's run) written again on other
   problems of the same database by hand-written statements on a raw DB-API
   cursor, one transaction (BEGIN ... COMMIT) per command, timed in chunks
   of 50 problems alternating with the Ledger's: the problem's conditional UPDATE, a
   DELETE and an INSERT of the department and clock rows that changed, the
   event, the outbox rows the command queued, and on PostgreSQL the
   event-log lock the ledger takes (``pg_advisory_xact_lock``) before the
   event.  Exactly the rows and locks the ledger writes; it reads nothing.
2. **warning sweep**: `UnitOfWork.warning_clocks` (thresholds from the
   county's `DeadlinePolicy`) over M open assignments (generated through the
   Ledger with `govbiz_postgres.bulk.BulkStore`), as of an early day and a
   half-way day, against the same CASE query on a plain psycopg cursor
   (``fetchall``, and also streamed in chunks as the library streams it); the
   rows must be the same.
3. **metrics by department x month** (部门×月份) over the same data: 交办数,
   办结数, 办结率 and 超期件数 from `PostgresMetricSource` as a summary
   (`drill_down=False`, counts only) and with the ids behind every figure,
   against the hand-written GROUP BY that computes the same figures
   (`HAND_WRITTEN_DEPARTMENT_MONTH`); all three must agree.

``--skip-commands`` leaves out part 1; ``--commands-only`` runs part 1 alone.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' world builder

from govbiz_postgres import open_postgres
from govbiz_postgres.bulk import BulkStore
from govbiz_postgres.metrics import PostgresMetricSource
from govbiz_postgres.store import STREAM_CHUNK
from govbiz_postgres.testing import schema_url, server_url, temporary_schema

from govbiz import commands as c
from govbiz.contact_keys import CLEAR_CONTACTS_ENV
from govbiz.domain.actors import Actor, Role
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import Problem
from govbiz.ledger import Ledger
from govbiz.metrics import GroupFigures, MetricRequest, standard_registry
from govbiz.metrics.grouping import NONE_KEY, Grouping, cross_key
from govbiz.ports.storage import WarningClock
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SQLStore, clock_rows, department_rows, event_row, problem_row
from tests.conftest import CITY, World, build_world

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


#: Lead departments the generated problems rotate over (市直部门).
DEPARTMENTS = 12


def province_ledger(store: SQLStore, count: int, *, batch: int = 2000) -> World:
    """`count` open assignments whose cutoffs spread over `SPREAD` (bulk-loaded through the Ledger).

    Leads rotate over `DEPARTMENTS` departments, each co-handled by the
    next; one problem in four has its result reported and awaits the return
    visit (回访), so completion figures are not all zero.
    """
    world = build_world(Ledger(store))
    departments = [f"430800-b{n:02d}" for n in range(DEPARTMENTS)]
    for code in departments:
        register = c.RegisterDepartment(code=code, name=f"市直部门{code[-2:]}", county=CITY)
        world.ledger.handle(world.admin, register)
    handlers = {
        code: Actor(id=f"{code}-1", role=Role.DEPARTMENT_HANDLER, county=CITY, department=code)
        for code in departments
    }
    bulk = BulkStore(store, batch=batch)
    world.ledger = Ledger(bulk, clock=world.clock)
    handle = world.ledger.handle
    step = SPREAD / count  # cutoffs spread over SPREAD, inside the calendar's years
    for n in range(count):
        world.later(seconds=step.total_seconds())
        lead, co = departments[n % DEPARTMENTS], departments[(n + 1) % DEPARTMENTS]
        problem_id = world.collect(f"问题{n}").id
        handle(world.collector, c.TriageProblem(problem_id=problem_id))
        handle(world.secretariat, c.ScheduleProblem(problem_id=problem_id, session_id=world.session_id))
        handle(world.chair, c.AssignProblem(problem_id=problem_id, lead=lead, co_handlers=(co,)))
        if n % 4 == 0:
            handle(handlers[lead], c.SignAssignment(problem_id=problem_id))
            handle(handlers[lead], c.ReportResult(problem_id=problem_id, outcome="solved", text="已办结"))
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


def commands_per_second(store: SQLStore, problems: int, *, chunk: int = 50) -> dict[str, float]:
    """The Ledger's commands and the raw statements they wrote, timed in alternating chunks.

    Each chunk of `chunk` problems goes through the chain on the Ledger, then
    its captured rows are written again by the raw statements: both sides of
    the ratio run under the same conditions (a shared machine drifts over a
    minute), and neither is timed while its input (the commands, the
    statements) or the other's data is prepared.
    """
    world, ids = scheduled(store, 2 * problems)
    mine, theirs = ids[:problems], ids[problems:]
    rename = dict(zip(mine, theirs, strict=True))
    with store.unit_of_work() as uow:
        start = {pid: uow.get_problem(pid) for pid in mine}  # scheduled, like theirs: no index rows yet
    ledger_s = raw_s = 0.0
    count = 0
    for at in range(0, problems, chunk):
        part = mine[at : at + chunk]
        captured: list[Problem] = []
        steps = [
            step for problem_id in part for step in chain(world, problem_id)
        ]  # built untimed, as the raw SQL is
        started = time.perf_counter()
        for actor, command in steps:
            world.later(minutes=5)
            captured.append(world.ledger.handle(actor, command))
        ledger_s += time.perf_counter() - started
        with store.unit_of_work() as uow:
            events = {(e.stream_id, e.version): e for pid in part for e in uow.events("problem", pid)}
        queued = queued_rows(store)
        writes = [(p, events[(p.id, p.version)], queued.get((p.id, p.version), [])) for p in captured]
        raw_s += raw_writes(store, raw_statements(store, writes, rename, start))
        count += len(captured)
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
            statements.append((_LOCK_COUNTY, (event.county, event.county)))  # the county's commit-order row
        statements.append(raw.event(event, new_id))
        statements += raw.outbox(outbox, problem.id, new_id)
        commands.append(statements)
    return commands


#: What the PostgreSQL store runs before a unit's events: its county's commit-order row, locked.
_LOCK_COUNTY = "INSERT INTO commit_locks (county) VALUES (%s) ON CONFLICT (county) DO UPDATE SET county = %s"


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
    # Each command begins its transaction itself, as stock sqlite3 and psycopg would implicitly:
    # the driver is set to autocommit so that the explicit BEGIN is the only one.
    driver = raw.driver_connection
    if store.engine.dialect.name == "sqlite":
        driver.isolation_level = None  # type: ignore[union-attr]
    else:
        driver.autocommit = True  # type: ignore[union-attr]
    cursor = raw.cursor()
    started = time.perf_counter()
    for statements in commands:
        cursor.execute("BEGIN")
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


def warning_sweep(store: SQLStore, as_of: datetime) -> dict[str, Any]:
    """The clocks at a warning level as of `as_of`: the library beside the hand-written SQL."""
    policy = Ledger(store).profile(CITY).policy()

    def library() -> list[WarningClock]:
        thresholds = {CITY: policy.thresholds(as_of)}  # the working-day arithmetic is part of the sweep
        with store.unit_of_work() as uow:
            return list(uow.warning_clocks(thresholds))

    dates = policy.thresholds(as_of)  # given to the hand-written query for free
    hand_sql = """
        SELECT problem_id, county, clock, last_day,
               CASE WHEN last_day <= %(overdue)s AND last_day < %(seriously)s THEN 'seriously_overdue'
                    WHEN last_day <= %(overdue)s THEN 'overdue'
                    WHEN last_day <= %(today)s THEN 'due_today'
                    ELSE 'approaching' END
          FROM problem_clocks
         WHERE county = %(county)s AND last_day <= %(approaching)s
         ORDER BY problem_id, clock
    """
    params = {
        "overdue": dates.overdue_through,
        "seriously": dates.seriously_before,
        "today": dates.today,
        "approaching": dates.approaching_through,
        "county": CITY,
    }

    def hand_written(streamed: bool = False) -> list[tuple[Any, ...]]:
        raw = store.engine.raw_connection()  # a plain psycopg cursor, as a DBA would use
        try:
            cursor = raw.cursor()
            if streamed:  # the same chunked streaming as the library (libpq 17)
                return list(cursor.stream(hand_sql, params, size=STREAM_CHUNK))
            cursor.execute(hand_sql, params)
            return list(cursor.fetchall())
        finally:
            raw.close()

    library(), hand_written()  # warm both up: compiled statement caches, pooled connections
    sweep_s, swept = best(library, 5)
    raw_sweep_s, raw_swept = best(hand_written, 5)
    streamed_s, streamed_rows = best(lambda: hand_written(streamed=True), 5)
    expected = [(r[0], r[2], r[4]) for r in raw_swept]
    assert [(w.problem_id, w.clock, w.level.value) for w in swept] == expected
    assert [(r[0], r[2], r[4]) for r in streamed_rows] == expected
    levels: dict[str, int] = {}
    for clock in swept:
        levels[clock.level.value] = levels.get(clock.level.value, 0) + 1
    return {
        "warning_clocks": len(swept),
        "levels": levels,
        "sweep_s": sweep_s,
        "raw_sweep_s": raw_sweep_s,
        "raw_streamed_s": streamed_s,
    }


def sweep_and_metrics(store: SQLStore, count: int) -> dict[str, Any]:
    generated_s = None  # kept from an earlier run (`--keep-schema`)
    if _open_assignments(store) < count:
        started = time.perf_counter()
        province_ledger(store, count)
        generated_s = time.perf_counter() - started
    with store.writing() as conn:
        conn.exec_driver_sql("ANALYZE")
        first, last = conn.execute(
            sa.select(sa.func.min(t.problem_clocks.c.cutoff), sa.func.max(t.problem_clocks.c.cutoff))
        ).one()
        latest = conn.execute(sa.select(sa.func.max(t.problems.c.updated_at))).scalar_one()
    # A day early in the spread (a few percent of the clocks due or late), and a day half-way through,
    # when half of them are late: nothing in the generated ledger is ever reported on time.
    sweeps = {
        "early": warning_sweep(store, first + (last - first) / 20),
        "half-way": warning_sweep(store, first + (last - first) / 2),
    }
    return {
        "open": _open_assignments(store),
        "generated_s": generated_s,
        "sweeps": sweeps,
        **department_month_metrics(store, latest),
    }


#: What a DBA writes for 交办数, 办结数 (and so 办结率) and 超期件数 by lead department and month of
#: first assignment, with the total (GROUPING SETS): the same definitions, on the same tables.
HAND_WRITTEN_DEPARTMENT_MONTH = """
SELECT department, month, GROUPING(department, month) AS is_total,
       count(*) FILTER (WHERE assigned) AS assigned,
       count(*) FILTER (WHERE assigned AND completed) AS completed,
       count(*) FILTER (WHERE assigned AND overdue) AS overdue
FROM (
    SELECT p.lead AS department,
           to_char(timezone('Asia/Shanghai', coalesce(p.data #>> '{previous_assignments,0,assigned_at}',
                                                      p.data #>> '{assignment,assigned_at}')::timestamptz),
                   'YYYY-MM') AS month,
           p.lead IS NOT NULL AND p.state NOT IN ('withdrawn', 'merged', 'rejected') AS assigned,
           p.state IN ('result_reported', 'closed')
               AND p.data #>> '{result,outcome}' <> 'long_term' AS completed,
           o.problem_id IS NOT NULL AS overdue
    FROM problems p
    LEFT JOIN (SELECT DISTINCT problem_id FROM problem_clocks
               WHERE clock IN ('sign', 'progress', 'result') AND cutoff <= :as_of) o ON o.problem_id = p.id
) f
GROUP BY GROUPING SETS ((department, month), ())
"""


def department_month_metrics(store: SQLStore, as_of: Any) -> dict[str, Any]:
    """部门×月份: the library's summary and drill-down beside the hand-written GROUP BY, best of 3."""
    source = PostgresMetricSource(store)
    definitions = standard_registry().select(["assigned", "completed", "completion_rate", "overdue"])
    request = MetricRequest(
        as_of=as_of, definitions=definitions, grouping=Grouping.DEPARTMENT, then_by=Grouping.MONTH
    )
    summary = attrs.evolve(request, drill_down=False)

    def hand_written() -> list[Any]:
        with store.reading() as conn:
            return list(conn.execute(sa.text(HAND_WRITTEN_DEPARTMENT_MONTH), {"as_of": as_of}))

    summary_s, counted = best(lambda: source.compute(summary), 3)
    hand_s, by_hand = best(hand_written, 3)
    drill_s, drilled = best(lambda: source.compute(request), 3)
    expected = {}
    for row in by_hand:  # a benchmark sanity check: the same numbers, group by group
        key = None if row.is_total else cross_key(row.department or NONE_KEY, row.month or NONE_KEY)
        expected[key] = (row.assigned, row.completed, row.completed, row.assigned, row.overdue)
    for result in (counted, drilled):
        found = {row.key: _counts(row) for row in (result.total, *result.groups)}
        assert found == expected, "the library and the hand-written query must give the same figures"
    return {
        "metrics_summary_s": summary_s,
        "metrics_drill_down_s": drill_s,
        "hand_written_s": hand_s,
        "groups": len(counted.groups),
    }


def _counts(row: GroupFigures) -> tuple[int, ...]:
    """assigned, completed, completion_rate's numerator and denominator, overdue."""
    a, c, rate, o = row.figures
    return (a.numerator_count, c.numerator_count, rate.numerator_count, rate.denominator_count,
            o.numerator_count)  # fmt: skip


def _open_assignments(store: SQLStore) -> int:
    """Problems with a running clock (a kept schema may hold them already)."""
    with store.reading() as conn:
        return int(
            conn.execute(sa.select(sa.func.count(sa.distinct(t.problem_clocks.c.problem_id)))).scalar_one()
        )


@contextmanager
def data_schema(server: str, keep: str | None) -> Iterator[str]:
    """A scratch schema dropped afterwards, or the kept schema `keep` (created once, then reused)."""
    if keep is None:
        with temporary_schema(server, prefix="govbiz_bench") as url:
            yield url
        return
    engine = sa.create_engine(sa.make_url(server).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{keep}"'))
    engine.dispose()
    yield schema_url(server, keep)


def main() -> None:
    # The benchmarks time storage, not the contact policy: a shared PostgreSQL database refuses contacts
    # in clear without a key ring, so allow them here (the `govbiz serve` child inherits this).
    os.environ.setdefault(CLEAR_CONTACTS_ENV, "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--problems", type=int, default=1000, help="problems taken through the 5-command chain"
    )
    parser.add_argument("--open", type=int, default=50_000, help="open assignments for the sweep and metrics")
    parser.add_argument(
        "--keep-schema",
        metavar="NAME",
        help="generate the sweep and metrics data into this schema once and reuse it on later runs "
        "(1,000,000 open assignments take about 20 minutes to generate); drop it yourself",
    )
    parser.add_argument("--skip-commands", action="store_true", help="only the sweep and metrics")
    parser.add_argument("--commands-only", action="store_true", help="only part 1, commands per second")
    args = parser.parse_args()
    server = os.environ.get("GOVBIZ_TEST_POSTGRES") or server_url()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    if not args.skip_commands:
        commands_table(server, args.problems)
    if args.commands_only:
        return
    with data_schema(server, args.keep_schema) as url:
        pg_store = open_postgres(url)
        s = sweep_and_metrics(pg_store, args.open)
        pg_store.close()
    generated = s["generated_s"]
    how = (
        "kept from an earlier run"
        if generated is None
        else f"generated through the Ledger with BulkStore in {generated:.0f} s"
    )
    print(f"\n{s['open']} open assignments ({how})")
    for when, sweep in s["sweeps"].items():
        print(f"warning levels of the {when} sweep: {sweep['levels']}")
    print("\n| query | library | hand-written | library / hand-written |")
    print("| --- | ---: | ---: | ---: |")
    rows = [
        *[
            (f"warning sweep, {when} ({sweep['warning_clocks']:,} clocks at a warning level)",
             sweep["sweep_s"], sweep["raw_sweep_s"])
            for when, sweep in s["sweeps"].items()
        ],
        (f"metrics by department x month, summary ({s['groups']} groups)", s["metrics_summary_s"],
         s["hand_written_s"]),
        ("metrics by department x month, ids per figure", s["metrics_drill_down_s"], s["hand_written_s"]),
    ]  # fmt: skip
    for name, library, hand in rows:
        print(f"| {name} | {library * 1000:.0f} ms | {hand * 1000:.0f} ms | {library / hand:.2f}x |")
    print("\nThe hand-written sweep fetches at once (`fetchall`); streamed in chunks as the library does:")
    for when, sweep in s["sweeps"].items():
        streamed, library = sweep["raw_streamed_s"], sweep["sweep_s"]
        print(f"- {when}: {streamed * 1000:.0f} ms, library / streamed {library / streamed:.2f}x")


def commands_table(server: str, problems: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_store = open_sqlite(f"sqlite:///{Path(tmp) / 'bench.db'}")
        on_sqlite = commands_per_second(sqlite_store, problems)
        sqlite_store.close()
    with temporary_schema(server, prefix="govbiz_bench") as url:
        pg_store = open_postgres(url)
        on_pg = commands_per_second(pg_store, problems)
        pg_store.close()
    print("\n| store | commands | ledger commands/s | raw SQL commands/s | raw / ledger |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, figures in (("SQLite (file, WAL)", on_sqlite), ("PostgreSQL 15", on_pg)):
        ratio = figures["raw_per_s"] / figures["ledger_per_s"]
        print(
            f"| {name} | {figures['commands']} | {figures['ledger_per_s']:.0f} "
            f"| {figures['raw_per_s']:.0f} | {ratio:.2f}x |"
        )


if __name__ == "__main__":
    main()
