"""Pooled connections the server closed (a restart) are replaced, not handed to a command."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from govbiz_postgres import store as pg
from govbiz_postgres.store import PostgresStore

from govbiz import commands as c
from govbiz.ledger import Ledger
from tests.conftest import build_world


def _terminate_pooled(store: PostgresStore, server: str) -> int:
    """End the server side of every connection in the store's pool, as a restart does."""
    pooled = [store.engine.connect() for _ in range(store.engine.pool.checkedin())]  # type: ignore[attr-defined]
    pids = [conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for conn in pooled]
    for conn in pooled:
        conn.close()
    admin = sa.create_engine(sa.make_url(server).set(drivername="postgresql+psycopg"))
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(sa.select(sa.func.pg_terminate_backend(pid)))
        for _ in range(100):  # termination is asynchronous
            alive = sa.select(sa.func.count()).where(sa.column("pid").in_(pids))
            if conn.execute(alive.select_from(sa.table("pg_stat_activity"))).scalar_one() == 0:
                break
            time.sleep(0.05)
    admin.dispose()
    return len(pids)


@pytest.mark.parametrize("ping_after", [pg.PING_AFTER, -1.0], ids=["socket-check", "ping"])
def test_commands_run_on_after_the_server_closed_the_pooled_connections(
    pg_store: PostgresStore, pg_server: str, ping_after: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg, "PING_AFTER", ping_after)
    world = build_world(Ledger(pg_store))
    problem = world.collect()
    assert _terminate_pooled(pg_store, pg_server) >= 1
    triaged = world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    assert triaged.version == problem.version + 1


def test_a_plain_engine_begins_transactions_and_the_stores_runs_in_autocommit(pg_url: str) -> None:
    """A plain `postgres_engine` begins transactions (migrations rely on it); a store's runs in autocommit."""
    from govbiz_postgres import open_postgres
    from govbiz_postgres.url import parse_postgres_url

    store = open_postgres(pg_url)
    with store.engine.connect() as conn:
        assert conn.connection.driver_connection.autocommit is True
        store.dialect.prepare_write(conn)  # a writer asks for its transaction
        assert conn.connection.driver_connection.autocommit is False
    with store.engine.connect() as conn:  # and the pool puts the connection back in autocommit
        assert conn.connection.driver_connection.autocommit is True
    store.close()

    engine = pg.postgres_engine(parse_postgres_url(pg_url), pool_size=1)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (n int)")

    def insert_then_fail() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO scratch VALUES (1)")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM scratch").scalar_one() == 0
        assert conn.connection.driver_connection.autocommit is False
    engine.dispose()
