"""SQLite: URLs, zero set-up, refusals that write nothing, migrations from 0001, query plans."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import govbiz
from govbiz import commands as c
from govbiz.audit import verify
from govbiz.domain import replay
from govbiz.errors import StorageError, ValidationError
from govbiz.ledger import Ledger
from govbiz.plugins import make_plugin_manager
from govbiz.ports.storage import ProblemQuery, RecordKind
from govbiz.storage import MemoryStore
from govbiz.storage.sql import migrate
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite, parse_sqlite_url, sqlite_engine
from govbiz.storage.sql.store import SQLStore, clock_rows, problem_conditions, problem_row
from govbiz.testing.contract import build_scenario
from govbiz.testing.migrations import assert_clock_rows_current, rows_at_first_schema
from govbiz.testing.sql import index_rows
from tests.conftest import BEIJING, World, build_world


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def open_ledger(url: str) -> Ledger:
    """govbiz.open with only the built-in plugins (installed ones are not under test here)."""
    return govbiz.open(url, plugin_manager=make_plugin_manager(load_entry_points=False))


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///ledger.db", Path("ledger.db")),
        ("sqlite:///data/张家界.db", Path("data/张家界.db")),
        ("sqlite:////var/lib/govbiz/ledger.db", Path("/var/lib/govbiz/ledger.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
    ],
)
def test_sqlite_url_forms(url: str, path: Path | None) -> None:
    assert parse_sqlite_url(url).path == path


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:",
        "sqlite:ledger.db",
        "sqlite:/ledger.db",
        "sqlite:///",
        "sqlite://host/ledger.db",
        "sqlite:///a.db?mode=ro",
        "sqlite:///a.db?synchronous=off",
        "sqlite:///a.db?synchronous=normal&mode=ro",
        "sqlite:///a.db#x",
    ],
)
def test_unknown_sqlite_url_forms_are_refused(url: str) -> None:
    with pytest.raises(ValidationError) as info:
        open_ledger(url)
    assert info.value.field == "url"
    assert info.value.value == url
    assert "sqlite:///relative/path.db" in info.value.reason  # the message shows the forms that work


def test_a_scratch_ledger_may_skip_waiting_for_the_disk(tmp_path: Path) -> None:
    """`?synchronous=normal` (replays, benchmarks) sets the pragma on each connection; full is the default."""
    assert parse_sqlite_url("sqlite:///x.db?synchronous=NORMAL").path == Path("x.db")
    scratch = open_sqlite(f"{url_of(tmp_path / 'scratch.db')}?synchronous=normal")
    county = open_sqlite(url_of(tmp_path / "county.db"))
    with scratch.reading() as fast, county.reading() as durable:
        assert fast.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert durable.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    scratch.close()
    county.close()


# --- zero set-up --------------------------------------------------------------------------------


def test_open_creates_the_file_and_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    world = build_world(open_ledger("sqlite:///ledger.db"))
    problem = world.signed()
    world.ledger.store.close()
    assert (tmp_path / "ledger.db").is_file()
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute(f"SELECT version_num FROM {migrate.VERSION_TABLE}").fetchall() == [
            (migrate.head(),)
        ]
    again = open_ledger(url_of(tmp_path / "ledger.db"))
    assert again.problem(world.viewer, problem.id) == problem


def test_sqlite_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(govbiz.URL_ENV, raising=False)
    ledger = open_ledger(None)  # type: ignore[arg-type]
    assert isinstance(ledger.store, SQLStore)
    build_world(ledger)
    ledger.store.close()
    assert RecordKind.DIVISION.value in {"division"}
    assert "problems" in tables(tmp_path / "govbiz.db")


def test_connections_enforce_foreign_keys_and_wait_when_busy(tmp_path: Path) -> None:
    store = open_sqlite(url_of(tmp_path / "ledger.db"), busy_timeout=2.5)
    with store.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    with store.writing() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.insert(t.problem_clocks).values(
                problem_id="nothing", clock="sign", county="430800", cutoff=datetime.now(BEIJING)
            )
        )
    store.close()


# --- bad input: a clear error and nothing written ------------------------------------------------


def test_a_corrupt_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(os.urandom(8192))
    before = path.read_bytes()
    with pytest.raises(StorageError) as info:
        open_ledger(url_of(path))
    assert info.value.location == str(path)
    assert "not a SQLite database" in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"]


def test_a_damaged_database_behind_a_good_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    before = path.read_bytes()
    with pytest.raises(StorageError) as info:
        open_ledger(url_of(path))
    assert str(path) in str(info.value)
    assert path.read_bytes() == before


def test_a_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('张家界旅游公司')")
    before = path.read_bytes()
    with pytest.raises(StorageError) as info:
        open_ledger(url_of(path))
    assert "not a govbiz database" in info.value.reason
    assert "customers" in info.value.reason
    assert path.read_bytes() == before
    assert tables(path) == {"customers"}


def test_a_database_from_a_newer_govbiz_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    open_sqlite(url_of(path)).close()
    with sqlite3.connect(path) as db:
        db.execute(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '0099'")
    before = path.read_bytes()
    with pytest.raises(StorageError) as info:
        open_ledger(url_of(path))
    assert "'0099'" in info.value.reason
    assert "newer than this govbiz knows" in info.value.reason
    assert path.read_bytes() == before


def test_a_missing_directory_is_named_and_not_created(tmp_path: Path) -> None:
    url = url_of(tmp_path / "no" / "such" / "ledger.db")
    with pytest.raises(ValidationError) as info:
        open_ledger(url)
    assert info.value.field == "url"
    assert str(tmp_path / "no" / "such") in info.value.reason
    assert list(tmp_path.iterdir()) == []


def test_a_directory_is_not_a_database_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is a directory"):
        open_ledger(url_of(tmp_path))


# --- migrations ------------------------------------------------------------------------------------


def test_the_migrations_build_exactly_the_schema(tmp_path: Path) -> None:
    engine = sqlite_engine(parse_sqlite_url(url_of(tmp_path / "ledger.db")))
    with engine.begin() as conn:
        migrate.upgrade(conn)
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": migrate.VERSION_TABLE}
        )
        assert compare_metadata(context, t.metadata) == []
        assert migrate.current_revision(conn) == migrate.head()
    engine.dispose()
    assert migrate.revisions() == ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009"]


def raw(value: Any) -> Any:
    """A value as SQLite stores it: JSON text, UTC wall time, or as it is."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def test_a_database_at_the_first_schema_upgrades_with_its_data(tmp_path: Path) -> None:
    # The history as schema 0001 would have held it: made on memory, written as raw rows.
    world = build_world()
    # Schema 0001 knew no co-handling clock: the co-handlers have replied, so none is running.
    signed = world.co_replied(world.signed("用地指标调整"))
    in_progress = world.co_replied(world.signed("规划许可变更"))
    in_progress = world.ledger.handle(world.zgj, c.ReportProgress(problem_id=in_progress.id, text="推进中"))
    collected = world.collect("贷款续贷")
    rows = rows_at_first_schema(world.ledger)
    path = tmp_path / "ledger.db"
    engine = sqlite_engine(parse_sqlite_url(url_of(path)))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        assert "problem_clocks" not in sa.inspect(conn).get_table_names()
        for table, values in rows.items():
            columns = list(values[0])
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            conn.exec_driver_sql(sql, [tuple(raw(row[k]) for k in columns) for row in values])
    engine.dispose()
    # The old shape really lacks the chain: these rows alone would not verify.
    assert {"prev_hash", "hash"}.isdisjoint(rows["events"][0])

    store = open_sqlite(url_of(path))
    with store.reading() as conn:
        assert migrate.current_revision(conn) == migrate.head()
    with store.unit_of_work() as uow:
        upgraded = {p.id: p for p in uow.find_problems(ProblemQuery())}
        events = uow.events()
        assert [(e.stream, e.stream_id, e.version) for e in events] == [
            (r["stream"], r["stream_id"], r["version"]) for r in rows["events"]
        ]
        for problem in (signed, in_progress, collected):
            again = upgraded[problem.id]
            assert attrs.evolve(again, last_hash="") == attrs.evolve(problem, last_hash="")
            # Sealed by the upgrade: the stored head is the last event's new hash.
            assert again.last_hash == uow.events("problem", problem.id)[-1].hash != ""
            assert replay(uow.events("problem", problem.id)) == again
        assert uow.list_records(RecordKind.DEPARTMENT)[0].name == "中共张家界市委宣传部"  # type: ignore[union-attr]
        # 0003 filled the running clocks, so the deadline sweep sees the old problems.
        due = ProblemQuery(due_before=datetime(2025, 12, 31, tzinfo=BEIJING))
        assert [p.id for p in uow.find_problems(due)] == sorted([signed.id, in_progress.id])
    assert_clock_rows_current(store)  # 0003 and 0005 filled them from the snapshots
    heads = {("problem", p.id): p.last_hash for p in upgraded.values()}
    assert verify(events, heads=heads) == []

    # And the ledger carries on, its chain continuing from the sealed history.
    ledger = Ledger(store, clock=world.clock)
    world.later(hours=2)
    result = ledger.handle(
        world.zgj, c.ReportResult(problem_id=in_progress.id, outcome="solved", text="已办结")
    )
    with store.unit_of_work() as uow:
        assert verify(uow.events(), heads={("problem", result.id): result.last_hash}) == []
        assert uow.get_problem(result.id) == result
    store.close()


def test_a_database_at_an_intermediate_schema_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    engine = sqlite_engine(parse_sqlite_url(url_of(path)))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0002")
    engine.dispose()
    assert "problem_clocks" not in tables(path)
    world = build_world(Ledger(open_sqlite(url_of(path))))
    assert world.signed().state.value == "signed"
    assert "problem_clocks" in tables(path)


# --- query plans --------------------------------------------------------------------------------------


def plan(store: SQLStore, query: ProblemQuery) -> str:
    statement = sa.select(t.problems.c.data).where(*problem_conditions(query)).order_by(t.problems.c.id)
    with store.reading() as conn:
        sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        return "\n".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_the_deadline_sweep_over_10000_problems_uses_the_cutoff_index(tmp_path: Path, world: World) -> None:
    template = world.signed()
    store = open_sqlite(url_of(tmp_path / "ledger.db"))
    problems = []
    for n in range(10_000):
        shift = timedelta(hours=n)
        assert template.assignment is not None
        deadlines = tuple(attrs.evolve(d, cutoff=d.cutoff + shift) for d in template.assignment.deadlines)
        assignment = attrs.evolve(template.assignment, deadlines=deadlines)
        problems.append(attrs.evolve(template, id=f"430800-2025-{n:05d}", assignment=assignment))
    with store.writing() as conn:
        conn.execute(sa.insert(t.problems), [problem_row(p) for p in problems])
        conn.execute(sa.insert(t.problem_clocks), [row for p in problems for row in clock_rows(p)])
        conn.exec_driver_sql("ANALYZE")
    as_of = datetime(2025, 4, 30, tzinfo=BEIJING)
    sweep = plan(store, ProblemQuery(due_before=as_of))
    assert "ix_problem_clocks_cutoff" in sweep, sweep
    assert "SCAN problem_clocks" not in sweep, sweep
    by_county = plan(store, ProblemQuery(counties=frozenset({"430800"}), due_before=as_of))
    assert "ix_problem_clocks" in by_county, by_county
    by_department = plan(store, ProblemQuery(department="430800-zjj"))
    assert "ix_problem_departments_department" in by_department, by_department
    # And the indexed answer is the right one.
    with store.unit_of_work() as uow:
        found = [p.id for p in uow.find_problems(ProblemQuery(due_before=as_of))]
    assert found == [p.id for p in problems if ProblemQuery(due_before=as_of).matches(p)]
    assert 0 < len(found) < 10_000
    store.close()


def test_memory_and_sqlite_answer_the_same(tmp_path: Path) -> None:
    on_memory, on_sqlite = build_world(Ledger(MemoryStore())), build_world(Ledger(open_sqlite("sqlite://")))
    for w in (on_memory, on_sqlite):
        w.signed()
        w.assigned("第二个")
    assert on_memory.ledger.problems(on_memory.viewer) == on_sqlite.ledger.problems(on_sqlite.viewer)


def test_the_index_rows_follow_every_command(tmp_path: Path) -> None:
    # A commit writes only the index rows that changed: they must still be what a full rewrite gives.
    store = open_sqlite(url_of(tmp_path / "index.db"))
    build_scenario(store)
    stored, computed = index_rows(store)
    assert stored == computed
    assert stored["departments"]
    assert stored["clocks"]
    store.close()


def test_stored_documents_are_readable_utf8_json(tmp_path: Path) -> None:
    # Any JSON reader (and SQLite's json functions) must read the documents, Chinese as text.
    path = tmp_path / "readable.db"
    store = open_sqlite(url_of(path))
    world = build_world(Ledger(store))
    signed = world.signed("园区道路积水")
    store.close()
    with sqlite3.connect(path) as db:
        (text,) = db.execute("SELECT data FROM problems WHERE id = ?", (signed.id,)).fetchone()
        (title,) = db.execute(
            "SELECT json_extract(data, '$.title') FROM problems WHERE id = ?", (signed.id,)
        ).fetchone()
        payloads = [p for (p,) in db.execute("SELECT payload FROM events WHERE stream_id = ?", (signed.id,))]
    assert "园区道路积水" in text  # not \u escapes
    assert title == "园区道路积水"
    assert json.loads(text)["id"] == signed.id
    assert len(payloads) == signed.version
    assert all(isinstance(json.loads(p), dict) for p in payloads)
