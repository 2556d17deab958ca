"""No lock a county's role can hold stalls another county's writes (提交顺序锁按区县).

The event log's commit order used to be one fixed advisory lock for the
whole database; any role may take any advisory lock, so a county's own role
(`govbiz db rls grant`) could hold it and every county's next command hung.
Now a unit locks its counties' rows of `commit_locks`.  Here a 张家界 role
holds everything it can, in an open transaction: the old advisory lock, its
own county's commit-order row; it cannot lock 长沙's row nor the whole
table.  Meanwhile 长沙's commands commit, each within a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from govbiz_postgres import open_postgres
from govbiz_postgres.rls import enable_row_security, grant_counties
from govbiz_postgres.store import SCHEMA_LOCK, PostgresStore
from govbiz_postgres.testing import as_role, login_role

from govbiz import commands as c
from govbiz.audit import verify
from govbiz.domain import Actor, Role
from govbiz.errors import StorageError
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery, RecordKind
from govbiz.storage.sql import schema as t
from tests.conftest import CITY, OTHER_CITY, build_world, credit_code

#: The fixed advisory lock key the event log used to take ("govbiz" + 1).
OLD_EVENT_LOG_LOCK = 0x676F7662697A01
#: Every table a county role writes.
LEDGER_TABLES = (
    "problems",
    "problem_clocks",
    "problem_departments",
    "records",
    "events",
    "outbox",
    "counters",
    "commit_locks",
)
CS_ADMIN = Actor(id="cs-admin", role=Role.ADMINISTRATOR, county=OTHER_CITY)
CS_COLLECTOR = Actor(id="cs-tzb", role=Role.COLLECTOR, county=OTHER_CITY)


@pytest.fixture
def roles(pg_server: str, pg_url: str) -> Iterator[tuple[str, str]]:
    with login_role(pg_server) as zjj, login_role(pg_server) as cs:
        yield zjj, cs


def grant_both(store: PostgresStore, roles: tuple[str, str]) -> None:
    """Row security on, 张家界's role granted 张家界 and 长沙's role 长沙."""
    zjj_role, cs_role = roles
    with store.writing() as conn:
        enable_row_security(conn)
        grant_counties(conn, zjj_role, [CITY])
        grant_counties(conn, cs_role, [OTHER_CITY])


def test_a_county_role_holding_every_lock_it_can_does_not_stall_another_county(
    pg_store: PostgresStore, pg_url: str, roles: tuple[str, str]
) -> None:
    zjj_role, cs_role = roles
    world = build_world(Ledger(pg_store))
    world.collect("张家界的问题")  # 张家界's commit-order row exists
    world.ledger.handle(CS_ADMIN, c.RegisterDivision(code=OTHER_CITY, name="长沙市", level="city"))
    enterprise = world.ledger.handle(
        CS_ADMIN,
        c.RegisterEnterprise(
            county=OTHER_CITY, name="长沙某科技有限公司", credit_code=credit_code("91430100MA4L54321")
        ),
    )
    grant_both(pg_store, roles)

    attacker = sa.create_engine(sa.make_url(as_role(pg_url, zjj_role)).set(drivername="postgresql+psycopg"))
    held = attacker.connect()
    held.begin()
    try:
        hold_what_a_county_role_can(held)

        # Meanwhile 长沙, through its own role, writes: each command commits promptly.
        cs_store = open_postgres(as_role(pg_url, cs_role))
        cs = Ledger(cs_store, clock=world.clock)
        timings: list[float] = []
        done: list[str] = []

        def write() -> None:
            for n in range(3):
                started = time.monotonic()
                collect = c.CollectProblem(
                    enterprise_id=enterprise.id,
                    title=f"长沙的问题{n}",
                    category="土地规划",
                    source="调研走访",
                )
                done.append(cs.handle(CS_COLLECTOR, collect).id)
                timings.append(time.monotonic() - started)

        writer = threading.Thread(target=write)
        writer.start()
        writer.join(timeout=30)
        assert not writer.is_alive(), "长沙's commands were stalled by 张家界's role"
        assert len(done) == 3
        assert max(timings) < 5
        # The owner's ledger sees them, and the audit chain is intact.
        with pg_store.unit_of_work() as uow:
            assert {p.id for p in uow.find_problems(ProblemQuery(counties=frozenset({OTHER_CITY})))} == set(
                done
            )
            assert verify(uow.events()) == []
        cs_store.close()
    finally:
        held.rollback()
        held.exec_driver_sql(f"SELECT pg_advisory_unlock({OLD_EVENT_LOG_LOCK})")
        held.close()
        attacker.dispose()


def hold_what_a_county_role_can(held: sa.Connection) -> None:
    """In `held`'s open transaction (张家界's role): take every lock it may; try those it may not."""
    # What the 张家界 role can hold: the old fixed advisory lock, and its own county's row.
    held.execute(sa.select(sa.func.pg_advisory_lock(OLD_EVENT_LOG_LOCK)))
    mine = held.execute(sa.text("SELECT county FROM commit_locks WHERE county = :c FOR UPDATE"), {"c": CITY})
    assert mine.scalars().all() == [CITY]
    # It does not see 长沙's row, so it cannot lock it ...
    theirs = held.execute(
        sa.text("SELECT county FROM commit_locks WHERE county = :c FOR UPDATE"), {"c": OTHER_CITY}
    )
    assert theirs.scalars().all() == []
    # ... nor any whole table in a mode that stops writers: LOCK TABLE in SHARE mode or stronger needs
    # a table-level UPDATE, DELETE or TRUNCATE, and the role has UPDATE column by column only.
    for table in LEDGER_TABLES:
        for mode in ("SHARE", "EXCLUSIVE", "ACCESS EXCLUSIVE"):
            held.exec_driver_sql("SAVEPOINT before_lock_table")
            with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
                held.exec_driver_sql(f"LOCK TABLE {table} IN {mode} MODE")
            held.exec_driver_sql("ROLLBACK TO SAVEPOINT before_lock_table")
    # ... nor plant 长沙's row to lock it before 长沙 ever commits.
    held.exec_driver_sql("SAVEPOINT before_plant")
    with pytest.raises(sa.exc.DBAPIError, match="row-level security"):
        held.execute(sa.insert(t.commit_locks).values(county="430181"))  # 浏阳市, not yet written
    held.exec_driver_sql("ROLLBACK TO SAVEPOINT before_plant")


def test_a_county_waits_only_for_its_own_countys_commits(pg_store: PostgresStore) -> None:
    world = build_world(Ledger(pg_store))
    world.collect("张家界的问题")
    # The owner's commit for 张家界 holds 张家界's row: another 张家界 commit waits, 长沙's does not.
    world.ledger.handle(CS_ADMIN, c.RegisterDivision(code=OTHER_CITY, name="长沙市", level="city"))
    with pg_store.writing() as conn:
        conn.execute(sa.text("SELECT county FROM commit_locks WHERE county = :c FOR UPDATE"), {"c": CITY})
        finished = threading.Event()

        def same_county() -> None:
            world.collect("也是张家界的问题")
            finished.set()

        waiting = threading.Thread(target=same_county)
        waiting.start()
        assert not finished.wait(1.0)  # 张家界's next commit waits for the row
        world.ledger.handle(
            CS_ADMIN,
            c.RegisterEnterprise(
                county=OTHER_CITY, name="长沙另一家", credit_code=credit_code("91430100MA4L11111")
            ),
        )  # 长沙 commits at once
    waiting.join(timeout=30)
    assert finished.is_set()  # and 张家界's followed as soon as the row was released


def test_a_county_role_holding_the_schema_lock_does_not_stall_opening_the_ledger(
    pg_store: PostgresStore, pg_url: str, roles: tuple[str, str]
) -> None:
    zjj_role, cs_role = roles
    build_world(Ledger(pg_store))
    grant_both(pg_store, roles)
    attacker = sa.create_engine(sa.make_url(as_role(pg_url, zjj_role)).set(drivername="postgresql+psycopg"))
    with attacker.connect() as held:
        held.execute(sa.select(sa.func.pg_advisory_lock(SCHEMA_LOCK)))
        opened: list[PostgresStore] = []
        opener = threading.Thread(target=lambda: opened.append(open_postgres(as_role(pg_url, cs_role))))
        opener.start()
        opener.join(timeout=20)
        assert not opener.is_alive(), "opening the ledger waited for the schema lock"
        [store] = opened
        with store.unit_of_work() as uow:
            assert uow.list_records(RecordKind.DIVISION) == []  # 长沙's role: open, and sees none of 张家界
        store.close()
        held.execute(sa.select(sa.func.pg_advisory_unlock(SCHEMA_LOCK)))
    attacker.dispose()


def test_a_county_role_deletes_index_rows_only_of_a_problem_it_writes_in_the_same_transaction(
    pg_store: PostgresStore, pg_url: str, roles: tuple[str, str]
) -> None:
    """The role has no DELETE; the functions that delete index rows check it wrote the problem."""
    zjj_role, cs_role = roles
    world = build_world(Ledger(pg_store))
    problem = world.assigned("张家界的问题")
    grant_both(pg_store, roles)

    def clock_rows() -> set[str]:
        with pg_store.reading() as conn:
            query = sa.select(t.problem_clocks.c.clock).where(t.problem_clocks.c.problem_id == problem.id)
            return set(conn.execute(query).scalars())

    before = clock_rows()
    assert "sign" in before
    for role in (cs_role, zjj_role):  # another county's role, and the problem's own county's
        engine = sa.create_engine(sa.make_url(as_role(pg_url, role)).set(drivername="postgresql+psycopg"))
        try:
            with engine.connect() as conn:
                with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
                    conn.exec_driver_sql("DELETE FROM problem_clocks")
                conn.rollback()
                # Without writing the problem in this transaction, the function refuses.
                with pytest.raises(sa.exc.DBAPIError, match="changed only in the transaction"):
                    conn.execute(sa.text("SELECT govbiz_forget_clocks(:p, NULL)"), {"p": problem.id})
                conn.rollback()
        finally:
            engine.dispose()
    assert clock_rows() == before

    # Through the Ledger, the county's own role signs: the sign clock's row goes, through the function.
    zjj_store = open_postgres(as_role(pg_url, zjj_role))
    try:
        zjj = Ledger(zjj_store, clock=world.clock)
        zjj.handle(world.zgj, c.SignAssignment(problem_id=problem.id))
        assert clock_rows() == before - {"sign"}
    finally:
        zjj_store.close()
    with pg_store.unit_of_work() as uow:
        assert verify(uow.events()) == []


def test_enabling_row_security_again_takes_an_older_grants_table_privileges(
    pg_store: PostgresStore, roles: tuple[str, str]
) -> None:
    zjj_role, _ = roles
    build_world(Ledger(pg_store))
    with pg_store.writing() as conn:
        enable_row_security(conn)
        grant_counties(conn, zjj_role, [CITY])
        # What an older govbiz granted: table-level UPDATE and DELETE.
        conn.exec_driver_sql(f'GRANT UPDATE, DELETE ON problems, problem_clocks TO "{zjj_role}"')
    with pg_store.writing() as conn:
        enable_row_security(conn)
    privilege = sa.text("SELECT has_table_privilege(:r, :t, :p)")
    column = sa.text("SELECT has_column_privilege(:r, :t, 'state', 'UPDATE')")
    with pg_store.reading() as conn:
        for table in ("problems", "problem_clocks"):
            for kind in ("UPDATE", "DELETE", "TRUNCATE"):
                assert not conn.execute(privilege, {"r": zjj_role, "t": table, "p": kind}).scalar_one()
        assert conn.execute(column, {"r": zjj_role, "t": "problems"}).scalar_one()


def test_a_countys_import_lock_is_its_own_row_which_another_countys_role_cannot_take(
    pg_store: PostgresStore, pg_url: str, roles: tuple[str, str]
) -> None:
    cs_role = roles[1]
    build_world(Ledger(pg_store))
    grant_both(pg_store, roles)
    other = open_postgres(pg_url)
    cs_store = open_postgres(as_role(pg_url, cs_role))
    try:
        # While one process imports for 张家界, another waits for the same lock; 长沙's is free.
        entered = threading.Event()
        with pg_store.exclusive(f"import:{CITY}"):
            waiting = threading.Thread(target=lambda: _enter(other, f"import:{CITY}", entered))
            waiting.start()
            assert not entered.wait(1.0)
            with cs_store.exclusive(f"import:{OTHER_CITY}"):  # 长沙's role takes its own county's lock
                pass
        waiting.join(timeout=30)
        assert entered.is_set()
        # 长沙's role cannot take (or hold) 张家界's import lock: its row is another county's.
        with pytest.raises(StorageError, match="row-level security"), cs_store.exclusive(f"import:{CITY}"):
            pass
    finally:
        cs_store.close()
        other.close()


def _enter(store: PostgresStore, name: str, entered: threading.Event) -> None:
    with store.exclusive(name):
        entered.set()
