"""What a command costs SQLite: one warm connection, and no index entry rewritten for nothing."""

from __future__ import annotations

import sqlalchemy as sa

from govbiz import commands as c
from govbiz.ledger import Ledger
from govbiz.storage.sql.store import SQLStore
from tests.conftest import World, build_world, sqlite_statements


def problem_updates(store: SQLStore) -> list[str]:
    """Every UPDATE of `problems` SQLite runs for the store from now on."""
    return sqlite_statements(store, lambda sql: sql.startswith("UPDATE problems"))


def set_columns(update: str) -> set[str]:
    assignments = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    return {part.split("=", 1)[0].strip() for part in assignments.split(", ") if "=" in part}


def test_the_pool_hands_out_the_connection_returned_last(store: SQLStore) -> None:
    # Under WAL, a connection that did not write the last commit finds its page cache stale
    # and reads the pages again; with the pool first in, first out, two pooled connections
    # took turns and each command re-read about 25 pages.
    first, second = store.engine.connect(), store.engine.connect()
    first_driver, second_driver = first.connection.driver_connection, second.connection.driver_connection
    first.close()
    second.close()
    with store.engine.connect() as again:
        assert again.connection.driver_connection is second_driver
    assert first_driver is not second_driver


def test_consecutive_commands_keep_their_connection_out_of_the_pool(store: SQLStore) -> None:
    world = build_world(Ledger(store))
    problem = world.signed()
    checkouts: list[int] = []
    sa.event.listen(store.engine, "checkout", lambda dbapi, *_: checkouts.append(id(dbapi)))
    for n in range(4):
        world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text=f"第{n}次进展"))
    assert checkouts == [], "each command reused the connection the one before it kept"
    assert store.engine.pool.checkedout() == 1  # the one kept, idle
    store.close()
    assert store.engine.pool.checkedout() == 0  # closing the store closes it too


def test_only_a_clean_connection_is_kept(store: SQLStore) -> None:
    clean = store.connections.hold()
    store.connections.release(clean)
    assert store.connections.hold() is clean  # kept, and handed to the next unit
    in_a_transaction = store.engine.connect()
    in_a_transaction.exec_driver_sql("SELECT 1")  # SQLAlchemy begins a transaction
    store.connections.release(clean)
    store.connections.release(in_a_transaction)
    assert in_a_transaction.closed  # back to the pool, where its transaction is rolled back
    begun_on_the_driver = store.engine.connect()
    begun_on_the_driver.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
    assert store.connections.hold() is clean
    store.connections.release(begun_on_the_driver)
    assert begun_on_the_driver.closed
    store.connections.release(clean)


def test_an_update_sets_only_the_indexed_columns_that_changed(store: SQLStore) -> None:
    world: World = build_world(Ledger(store))
    problem = world.assigned()
    updates = problem_updates(store)
    world.ledger.handle(world.zgj, c.SignAssignment(problem_id=problem.id))
    [sign] = updates
    assert {"state", "version", "data"} <= set_columns(sign)
    assert not {"session_id", "category", "lead", "county", "enterprise_id"} & set_columns(sign)

    updates.clear()
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="正在推进"))
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="仍在推进"))
    assert "state" not in set_columns(updates[-1]), "a second progress report leaves the state as it was"


def test_a_changed_lead_is_set_and_found_by_its_index(store: SQLStore) -> None:
    world = build_world(Ledger(store))
    problem = world.assigned()
    world.ledger.handle(world.zgj, c.ReturnAssignment(problem_id=problem.id, reason="不属于本部门职责"))
    updates = problem_updates(store)
    world.ledger.handle(world.chair, c.ReassignProblem(problem_id=problem.id, lead="430800-zjj"))
    [reassign] = updates
    assert "lead" in set_columns(reassign)
    with store.reading() as conn:
        leads = conn.exec_driver_sql(
            "SELECT lead FROM problems INDEXED BY ix_problems_lead WHERE lead = '430800-zjj'"
        ).all()
    assert leads == [("430800-zjj",)]
