"""A unit's writes go to PostgreSQL in one pipeline; errors and refusals still name what failed."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from govbiz_postgres.pipeline import PipelinedRunner
from govbiz_postgres.store import POSTGRES, PostgresStore

from govbiz.errors import StorageError
from govbiz.storage.sql import schema as t
from govbiz.testing.contract import build_scenario
from govbiz.testing.sql import driver_and_core_rows

_INSERT_COUNTER = sa.insert(t.counters)
_BUMP = sa.update(t.counters).where(t.counters.c.name == sa.bindparam("key_name"))


def _counters(store: PostgresStore) -> dict[str, int]:
    with store.reading() as conn:
        return dict(conn.execute(sa.select(t.counters.c.name, t.counters.c.value)).all())


def test_the_store_runs_on_the_postgres_dialect(pg_store: PostgresStore) -> None:
    assert pg_store.dialect is POSTGRES
    assert POSTGRES.begin == "BEGIN"  # the commit's transaction travels in its pipeline
    held = pg_store.connections.hold()
    pg_store.connections.release(held)
    again = pg_store.connections.hold()
    assert again is not held  # a socket may go stale: every unit checks one out of the pool
    pg_store.connections.release(again)


def test_driver_writes_store_what_core_stores(pg_store: PostgresStore) -> None:
    build_scenario(pg_store)
    driver, core = driver_and_core_rows(pg_store)
    assert len(driver) == 3
    assert driver == core


def test_writes_wait_in_the_pipeline_until_flush(pg_store: PostgresStore) -> None:
    insert = pg_store.statements.get(_INSERT_COUNTER, ("name", "value"))
    with pg_store.writing() as conn:
        with pg_store.connections.runner(conn) as run:
            assert isinstance(run, PipelinedRunner)
            run.execute(insert, {"name": "a", "value": 1})
            run.executemany(insert, [{"name": "b", "value": 2}, {"name": "c", "value": 3}])
            driver = conn.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            assert driver.pgconn.pipeline_status != 0  # queued, not yet answered
        assert driver.pgconn.pipeline_status == 0  # flushed on leaving the runner
    assert _counters(pg_store) == {"a": 1, "b": 2, "c": 3}


def test_a_checked_write_that_changed_nothing_is_refused_after_the_flush(pg_store: PostgresStore) -> None:
    bump = pg_store.statements.get(_BUMP, ("value",))
    insert = pg_store.statements.get(_INSERT_COUNTER, ("name", "value"))

    def refuse() -> None:
        raise LookupError("no counter to bump")

    def write() -> None:
        with pg_store.writing() as conn, pg_store.connections.runner(conn) as run:
            run.execute(insert, {"name": "kept?", "value": 1})
            run.expect_one(bump, {"key_name": "missing", "value": 5}, refuse)

    with pytest.raises(LookupError):
        write()
    assert _counters(pg_store) == {}  # the whole transaction was rolled back


def test_an_error_in_the_pipeline_is_a_storage_error_and_keeps_nothing(pg_store: PostgresStore) -> None:
    insert = pg_store.statements.get(_INSERT_COUNTER, ("name", "value"))

    def write() -> None:
        with pg_store.writing() as conn, pg_store.connections.runner(conn) as run:
            run.execute(insert, {"name": "twice", "value": 1})
            run.execute(insert, {"name": "twice", "value": 2})

    with pytest.raises(StorageError) as info:  # a govbiz error, the driver's error as its cause
        write()
    assert isinstance(info.value.__cause__, sa.exc.IntegrityError)
    assert "INSERT INTO counters" in str(info.value.__cause__)
    assert "duplicate key" in str(info.value)
    assert _counters(pg_store) == {}
    with pg_store.unit_of_work() as uow:  # the pooled connection is usable again
        assert uow.next_number("after") == 1


def test_a_read_in_between_flushes_first(pg_store: PostgresStore) -> None:
    insert = pg_store.statements.get(_INSERT_COUNTER, ("name", "value"))
    read = sa.select(t.counters.c.value).where(t.counters.c.name == sa.bindparam("n"))
    value = pg_store.statements.get(read)
    with pg_store.writing() as conn, pg_store.connections.runner(conn) as run:
        run.execute(insert, {"name": "seen", "value": 7})
        assert run.scalar(value, {"n": "seen"}) == 7


def test_a_refusal_found_while_later_writes_are_still_queued_keeps_nothing(pg_store: PostgresStore) -> None:
    """psycopg may read the refused answer while later statements are queued; the COMMIT never runs."""
    bump = pg_store.statements.get(_BUMP, ("value",))
    insert = pg_store.statements.get(_INSERT_COUNTER, ("name", "value"))
    refusals: list[str] = []

    def refuse() -> None:
        refusals.append("missing")
        raise LookupError("no counter to bump")

    def commit() -> None:
        with pg_store.connections.committing() as run:
            run.expect_one(bump, {"key_name": "missing", "value": 5}, refuse)
            for n in range(300):  # enough to fill the send buffer: answers are read on the way
                run.execute(insert, {"name": f"n{n}", "value": n})

    with pytest.raises(LookupError):
        commit()
    assert refusals == ["missing"]
    assert _counters(pg_store) == {}


def test_a_commit_with_its_writes_in_one_pipeline_is_stored(pg_store: PostgresStore) -> None:
    insert = pg_store.statements.get(_INSERT_COUNTER, ("name", "value"))
    bump = pg_store.statements.get(_BUMP, ("value",))
    with pg_store.connections.committing() as run:
        run.execute(insert, {"name": "a", "value": 1})
    with pg_store.connections.committing() as run:
        run.expect_one(bump, {"key_name": "a", "value": 2}, lambda: pytest.fail("the row is there"))
        run.execute(insert, {"name": "b", "value": 3})
    assert _counters(pg_store) == {"a": 2, "b": 3}
