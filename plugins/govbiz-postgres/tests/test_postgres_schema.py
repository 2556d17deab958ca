"""PostgreSQL: URLs, the plugin hook, schema checks on open, migrations and `govbiz db`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from govbiz_postgres import open_postgres
from govbiz_postgres.store import PostgresStore, postgres_engine
from govbiz_postgres.url import handles, parse_postgres_url

import govbiz
from govbiz import commands as c
from govbiz.audit import verify
from govbiz.cli import main
from govbiz.domain import replay
from govbiz.errors import StorageError, ValidationError
from govbiz.ledger import Ledger
from govbiz.plugins import make_plugin_manager, register_plugin
from govbiz.ports.storage import ProblemQuery
from govbiz.storage.sql import migrate
from govbiz.storage.sql import schema as t
from govbiz.testing.migrations import assert_clock_rows_current, rows_at_first_schema
from tests.conftest import BEIJING, build_world


def engine_for(url: str) -> sa.Engine:
    return postgres_engine(parse_postgres_url(url), pool_size=1)


def tables(url: str) -> set[str]:
    engine = engine_for(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return names


def revision(url: str) -> str | None:
    engine = engine_for(url)
    with engine.connect() as conn:
        found = migrate.current_revision(conn)
    engine.dispose()
    return found


# --- URLs and the hook ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["postgresql://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"]
)
def test_both_schemes_reach_psycopg(url: str) -> None:
    location = parse_postgres_url(url)
    assert location.engine_url.drivername == "postgresql+psycopg"
    assert location.engine_url.database == "test"


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg2://u@h/db", "postgres://u@h/db", "postgresql://u@h", "postgresql+asyncpg://h/d"],
)
def test_unusable_postgres_urls_are_refused_by_name(url: str) -> None:
    assert handles(url)
    with pytest.raises(ValidationError) as info:
        govbiz.open(url, plugin_manager=plugin_manager())
    assert info.value.field == "url"
    assert "postgresql://user@host:5432/dbname" in info.value.reason


def test_other_schemes_are_left_to_other_plugins() -> None:
    assert not handles("sqlite:///ledger.db")
    assert not handles("memory://")


def test_the_password_never_appears_in_messages() -> None:
    location = parse_postgres_url("postgresql://govbiz:s3cret@db.example:5432/ledger")
    assert "s3cret" not in location.name
    assert location.name == "postgresql://govbiz:***@db.example:5432/ledger"


def test_an_unreachable_server_is_a_storage_error() -> None:
    with pytest.raises(StorageError) as info:
        open_postgres("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert info.value.location == "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"


def plugin_manager() -> Any:
    import govbiz_postgres

    pm = make_plugin_manager(load_entry_points=False)
    register_plugin(pm, govbiz_postgres, "postgres")
    return pm


def test_govbiz_open_selects_the_plugin_and_initialises_an_empty_schema(pg_url: str) -> None:
    assert tables(pg_url) == set()
    world = build_world(govbiz.open(pg_url, plugin_manager=plugin_manager()))
    problem = world.signed()
    assert isinstance(world.ledger.store, PostgresStore)
    world.ledger.store.close()
    assert revision(pg_url) == migrate.head()
    again = govbiz.open(pg_url, plugin_manager=plugin_manager())
    assert again.problem(world.viewer, problem.id) == problem
    again.store.close()


def test_columns_are_postgres_types(pg_store: PostgresStore) -> None:
    with pg_store.reading() as conn:
        columns = {col["name"]: col["type"] for col in sa.inspect(conn).get_columns("problems")}
    assert type(columns["data"]).__name__ == "JSONB"
    assert getattr(columns["updated_at"], "timezone", False) is True


# --- refusals on open: nothing written --------------------------------------------------------


def test_an_older_revision_is_refused_with_the_command_to_run(pg_url: str) -> None:
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0002")
    engine.dispose()
    with pytest.raises(StorageError) as info:
        open_postgres(pg_url)
    reason = info.value.reason
    assert "'0002'" in reason
    assert repr(migrate.head()) in reason
    assert "pending: 0003, 0004, 0005" in reason
    assert "govbiz db upgrade --db postgresql://" in reason
    assert revision(pg_url) == "0002"  # not upgraded behind the operator's back
    assert "problem_clocks" not in tables(pg_url)


def test_a_foreign_schema_is_refused_untouched(pg_url: str) -> None:
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE customers (id serial PRIMARY KEY, name text)"))
    engine.dispose()
    with pytest.raises(StorageError) as info:
        open_postgres(pg_url)
    assert "not a govbiz database" in info.value.reason
    assert "customers" in info.value.reason
    assert tables(pg_url) == {"customers"}


def test_a_newer_revision_is_refused(pg_url: str) -> None:
    open_postgres(pg_url).close()
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StorageError, match="newer than this govbiz knows"):
        open_postgres(pg_url)
    assert revision(pg_url) == "0099"


# --- migrations ---------------------------------------------------------------------------------


def test_the_migrations_build_exactly_the_schema_on_postgres(pg_url: str) -> None:
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        migrate.upgrade(conn)
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": migrate.VERSION_TABLE}
        )
        assert compare_metadata(context, t.metadata) == []
    engine.dispose()


def test_a_database_at_the_first_schema_upgrades_with_govbiz_db_upgrade(pg_url: str) -> None:
    world = build_world()
    # Schema 0001 knew no co-handling clock: the co-handlers have replied, so none is running.
    signed = world.co_replied(world.signed("用地指标调整"))
    in_progress = world.co_replied(world.signed("规划许可变更"))
    in_progress = world.ledger.handle(world.zgj, c.ReportProgress(problem_id=in_progress.id, text="推进中"))
    rows = rows_at_first_schema(world.ledger)
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        for name, values in rows.items():  # written as schema 0001 had them
            conn.execute(sa.insert(sa.Table(name, sa.MetaData(), autoload_with=conn)), values)
    engine.dispose()

    runner = CliRunner()
    shown = runner.invoke(main, ["db", "current", "--db", pg_url])
    assert shown.exit_code == 0, shown.output
    assert "revision 0001" in shown.output
    assert "pending: 0002, 0003, 0004, 0005" in shown.output
    with pytest.raises(StorageError, match="govbiz db upgrade"):
        open_postgres(pg_url)

    upgraded = runner.invoke(main, ["db", "upgrade", "--db", pg_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"upgraded from 0001 to revision {migrate.head()}" in upgraded.output
    again = runner.invoke(main, ["db", "upgrade", "--db", pg_url])
    assert "nothing to do" in again.output

    store = open_postgres(pg_url)
    with store.unit_of_work() as uow:
        found = {p.id: p for p in uow.find_problems(ProblemQuery())}
        for problem in (signed, in_progress):
            assert attrs.evolve(found[problem.id], last_hash="") == attrs.evolve(problem, last_hash="")
            assert replay(uow.events("problem", problem.id)) == found[problem.id]
        due = ProblemQuery(due_before=datetime(2025, 12, 31, tzinfo=BEIJING))
        assert [p.id for p in uow.find_problems(due)] == sorted([signed.id, in_progress.id])
        heads = {("problem", p.id): p.last_hash for p in found.values()}
        assert verify(uow.events(), heads=heads) == []
    assert_clock_rows_current(store)  # 0003 and 0005 filled them from the snapshots
    ledger = Ledger(store, clock=world.clock)
    world.later(hours=2)
    done = ledger.handle(
        world.zgj, c.ReportResult(problem_id=in_progress.id, outcome="solved", text="已办结")
    )
    assert done.version == in_progress.version + 1
    store.close()


def test_govbiz_db_on_an_empty_schema_and_on_a_bad_url(pg_url: str) -> None:
    runner = CliRunner()
    empty = runner.invoke(main, ["db", "current", "--db", pg_url])
    assert "empty database" in empty.output
    assert tables(pg_url) == set()  # `current` writes nothing
    created = runner.invoke(main, ["db", "upgrade", "--db", pg_url])
    assert created.exit_code == 0, created.output
    assert revision(pg_url) == migrate.head()
    bad = runner.invoke(main, ["db", "current", "--db", "postgresql+psycopg2://u@h/db"])
    assert bad.exit_code == 1
    assert "postgresql://user@host:5432/dbname" in bad.output


def test_govbiz_db_current_refuses_another_applications_database(pg_url: str) -> None:
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE invoices (id integer)"))
    engine.dispose()
    result = CliRunner().invoke(main, ["db", "current", "--db", pg_url])
    assert result.exit_code == 1, result.output
    assert "not a govbiz ledger" in result.output
    assert "invoices" in result.output
    assert tables(pg_url) == {"invoices"}  # `current` writes nothing
