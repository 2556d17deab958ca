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
