"""The command path's driver-level statements: same rows as Core, same errors, no transaction for reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from govbiz.storage.sql import schema as t
from govbiz.storage.sql.driver import DriverStatement, StatementCache, StatementRunner, scalar
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SQLStore
from govbiz.testing.contract import build_scenario
from govbiz.testing.sql import driver_and_core_rows

_BY_ID_AND_VERSION = sa.select(t.problems.c.data).where(
    t.problems.c.version == sa.bindparam("version"), t.problems.c.id == sa.bindparam("id")
)


@pytest.fixture
def store(tmp_path: Path) -> SQLStore:
    opened = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
    build_scenario(opened)
    return opened


def test_positional_parameters_follow_the_placeholders() -> None:
    statement = DriverStatement.compile(_BY_ID_AND_VERSION, sqlite.dialect())
    assert statement.sql.endswith("WHERE problems.version = ? AND problems.id = ?")
    assert statement.parameters({"id": "p-1", "version": 3}) == (3, "p-1")


def test_named_parameters_stay_named() -> None:
    statement = DriverStatement.compile(_BY_ID_AND_VERSION, postgresql.psycopg.dialect())
    assert "%(version)s" in statement.sql
    assert statement.parameters({"id": "p-1", "version": 3}) == {"id": "p-1", "version": 3}


def test_literals_in_a_statement_are_bound_by_it() -> None:
    statement = DriverStatement.compile(sa.select(sa.func.abs(-7)), sqlite.dialect())
    assert statement.parameters({}) == (-7,)


def test_the_cache_compiles_a_statement_once_per_column_set() -> None:
    cache = StatementCache(sqlite.dialect())
    insert = sa.insert(t.counters)
    assert cache.get(insert, ("name", "value")) is cache.get(insert, ("name", "value"))
    assert cache.get(insert, ("name",)).sql != cache.get(insert, ("name", "value")).sql


def test_driver_writes_store_what_core_stores(store: SQLStore) -> None:
    driver, core = driver_and_core_rows(store)
    assert len(driver) == 3
    assert driver == core


def test_a_read_returns_processed_values_without_a_transaction(store: SQLStore) -> None:
    with store.reading() as conn:
        problem_id = conn.execute(sa.select(t.problems.c.id).limit(1)).scalar_one()
    conn = store.connections.hold()
    try:
        data = scalar(conn, store.statements.get(sa.select(t.problems.c.data).where(
            t.problems.c.id == sa.bindparam("id"))), {"id": problem_id})
        assert not conn.in_transaction()
        assert conn.connection.driver_connection.in_transaction is False  # sqlite3: autocommit read
    finally:
        store.connections.release(conn)
    assert isinstance(data, dict)  # JSON decoded, as Core would
    assert data["id"] == problem_id


def test_driver_errors_become_sqlalchemy_errors_naming_the_statement(store: SQLStore) -> None:
    insert = store.statements.get(sa.insert(t.counters), ("name", "value"))
    with store.writing() as conn:
        run = StatementRunner(conn)
        run.execute(insert, {"name": "dup", "value": 1})
        with pytest.raises(sa.exc.IntegrityError) as info:
            run.execute(insert, {"name": "dup", "value": 2})
        run.close()
        conn.rollback()
    assert "INSERT INTO counters" in str(info.value)
    with store.reading() as conn:
        assert conn.execute(sa.select(t.counters.c.name).where(t.counters.c.name == "dup")).first() is None


def test_expect_one_calls_otherwise_when_no_row_changed(store: SQLStore) -> None:
    update = store.statements.get(
        sa.update(t.counters).where(t.counters.c.name == sa.bindparam("key_name")), ("value",)
    )
    refused: list[str] = []
    with store.writing() as conn:
        run = StatementRunner(conn)
        run.expect_one(update, {"key_name": "no such counter", "value": 1}, lambda: refused.append("no row"))
        run.close()
    assert refused == ["no row"]
