"""Row-level security: a county's database role cannot read or change another county's rows, by any SQL.

The schema's owner builds a ledger with two tenants (张家界 430800 and
长沙 430100), enables row security and grants a login role 430800 only.
Through that role, hand-written SQL finds none of 长沙's rows and cannot
change or add them; the Ledger still runs a whole chain of commands for
张家界; and a role without a grant sees nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from govbiz_postgres import open_postgres
from govbiz_postgres.rls import enable_row_security, grant_counties, granted_counties
from govbiz_postgres.store import PostgresStore
from govbiz_postgres.testing import as_role, login_role

from govbiz import commands as c
from govbiz.cli import main
from govbiz.domain import Actor, Role
from govbiz.domain.holiday_notice import NATIONAL
from govbiz.errors import ValidationError
from govbiz.ledger import Ledger
from govbiz.storage.sql import schema as t
from tests.conftest import CITY, OTHER_CITY, World, build_world, credit_code

CS_ADMIN = Actor(id="cs-admin", role=Role.ADMINISTRATOR, county=OTHER_CITY)
CS_COLLECTOR = Actor(id="cs-tzb", role=Role.COLLECTOR, county=OTHER_CITY)


@pytest.fixture
def county_role(pg_server: str, pg_url: str) -> Iterator[str]:
    """A login role, dropped after the test (after its privileges)."""
    with login_role(pg_server) as name:
        yield name


@pytest.fixture
def bare_role(pg_server: str, pg_url: str) -> Iterator[str]:
    with login_role(pg_server) as name:
        yield name


def two_tenants(store: PostgresStore) -> tuple[World, str, str]:
    """张家界's world and signed problem, and 长沙's collected problem, written by the owner."""
    world = build_world(Ledger(store))
    zjj = world.signed("张家界的问题")
    ledger = world.ledger
    ledger.handle(CS_ADMIN, c.RegisterDivision(code=OTHER_CITY, name="长沙市", level="city"))
    enterprise = ledger.handle(
        CS_ADMIN,
        c.RegisterEnterprise(
            county=OTHER_CITY, name="长沙某科技有限公司", credit_code=credit_code("91430100MA4L54321")
        ),
    )
    collect = c.CollectProblem(
        enterprise_id=enterprise.id, title="长沙的问题", category="土地规划", source="调研走访"
    )
    cs = ledger.handle(CS_COLLECTOR, collect)
    return world, zjj.id, cs.id


def owner_counts(store: PostgresStore, county: str) -> dict[str, int]:
    with store.reading() as conn:
        return {
            table.name: conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.county == county)
            ).scalar_one()
            for table in (t.problems, t.problem_clocks, t.records, t.events, t.outbox)
        }


def test_a_county_role_reaches_only_its_countys_rows(
    pg_store: PostgresStore, pg_url: str, county_role: str
) -> None:
    world, zjj_id, cs_id = two_tenants(pg_store)
    notice = resources.files("govbiz.calendar").joinpath("data", "2026.toml").read_text(encoding="utf-8")
    owner_admin = Actor(id="owner", role=Role.ADMINISTRATOR, county=NATIONAL)
    kept = world.ledger.handle(owner_admin, c.AddHolidayNotice(text=notice, source="2026.toml")).kept
    with pg_store.writing() as conn:
        enable_row_security(conn)
        enable_row_security(conn)  # idempotent
        grant_counties(conn, county_role, [CITY])
        assert granted_counties(conn) == {county_role: [CITY]}
    changsha_before = owner_counts(pg_store, OTHER_CITY)
    assert changsha_before["problems"] == 1
    assert changsha_before["events"] > 0

    store = open_postgres(as_role(pg_url, county_role))
    try:
        with store.engine.begin() as conn:
            assert {row[0] for row in conn.execute(sa.select(t.problems.c.county))} == {CITY}
            for table in (t.problem_clocks, t.records, t.events, t.outbox):
                other = sa.select(sa.func.count()).select_from(table).where(table.c.county == OTHER_CITY)
                assert conn.execute(other).scalar_one() == 0, table.name
            theirs = t.problem_departments.c.problem_id == cs_id
            assert conn.execute(sa.select(sa.func.count()).where(theirs)).scalar_one() == 0
            assert conn.execute(sa.select(sa.func.count()).select_from(t.counters)).scalar_one() > 0
            # Nationwide rows (the holiday notices) are readable by every county ...
            national = sa.select(t.records.c.key).where(t.records.c.county == NATIONAL)
            assert list(conn.execute(national).scalars()) == [kept.key]
            # Changing their rows finds nothing to change ...
            changed = conn.execute(
                sa.update(t.problems).where(t.problems.c.id == cs_id).values(state="closed")
            )
            assert changed.rowcount == 0
        # ... and deleting is not the role's to do at all (DELETE would let it LOCK TABLE).
        with pytest.raises(sa.exc.DBAPIError, match="permission denied"), store.engine.begin() as conn:
            conn.execute(sa.delete(t.events).where(t.events.c.county == OTHER_CITY))
        # ... and a row of theirs cannot be added.
        with pytest.raises(sa.exc.DBAPIError, match="row-level security"), store.engine.begin() as conn:
            conn.execute(sa.insert(t.counters).values(name=f"problem:{OTHER_CITY}:2099", value=1))
        # ... nor can a county change nationwide data: only the owner keeps notices.
        with pytest.raises(sa.exc.DBAPIError, match="row-level security"), store.engine.begin() as conn:
            conn.execute(
                sa.update(t.records).where(t.records.c.county == NATIONAL).values(county=NATIONAL, version=2)
            )
        assert [k.key for k in Ledger(store, clock=world.clock).holiday_notices()] == [kept.key]

        # The Ledger works for 张家界 through the role: a whole chain of commands.
        world.ledger = Ledger(store, clock=world.clock)
        signed = world.signed("角色下的新问题")  # collected (a counter), triaged, scheduled, assigned, signed
        done = world.ledger.handle(
            world.zgj, c.ReportResult(problem_id=signed.id, outcome="solved", text="已办结")
        )
        assert world.ledger.problem(world.viewer, done.id).version == done.version
        assert world.ledger.problem(world.viewer, zjj_id).id == zjj_id
    finally:
        store.close()
    assert owner_counts(pg_store, OTHER_CITY) == changsha_before


def test_a_role_without_a_grant_sees_nothing(
    pg_store: PostgresStore, pg_url: str, county_role: str, bare_role: str
) -> None:
    two_tenants(pg_store)
    with pg_store.writing() as conn:
        enable_row_security(conn)
        grant_counties(conn, county_role, [CITY])
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO {bare_role}')
        conn.exec_driver_sql(f"GRANT SELECT ON problems, events, govbiz_county_grants TO {bare_role}")
    engine = sa.create_engine(sa.make_url(as_role(pg_url, bare_role)).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        for table in (t.problems, t.events):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM govbiz_county_grants").scalar_one() == 0
    engine.dispose()


def test_granting_names_what_is_wrong(pg_store: PostgresStore, county_role: str) -> None:
    with pg_store.writing() as conn, pytest.raises(ValidationError) as disabled:
        grant_counties(conn, county_role, [CITY])
    assert disabled.value.field == "rls"
    with pg_store.writing() as conn:
        enable_row_security(conn)
    with pg_store.writing() as conn, pytest.raises(ValidationError) as unknown:
        grant_counties(conn, "no_such_role_here", [CITY])
    assert unknown.value.field == "role"
    with pg_store.writing() as conn, pytest.raises(ValidationError) as empty:
        grant_counties(conn, county_role, [])
    assert empty.value.field == "county"


def test_govbiz_db_rls_commands(pg_store: PostgresStore, pg_url: str, county_role: str) -> None:
    runner = CliRunner()
    early = runner.invoke(main, ["db", "rls", "grant", county_role, CITY, "--db", pg_url])
    assert early.exit_code == 1
    assert "govbiz db rls enable" in early.output
    enabled = runner.invoke(main, ["db", "rls", "enable", "--db", pg_url])
    assert enabled.exit_code == 0, enabled.output
    granted = runner.invoke(main, ["db", "rls", "grant", county_role, CITY, "430802", "--db", pg_url])
    assert granted.exit_code == 0, granted.output
    shown = runner.invoke(main, ["db", "rls", "show", "--db", pg_url])
    assert f"{county_role}: 430800, 430802" in shown.output
    unknown = runner.invoke(main, ["db", "rls", "grant", "nobody_like_this", CITY, "--db", pg_url])
    assert unknown.exit_code == 1
    assert "nobody_like_this" in unknown.output


def test_a_county_role_cannot_plant_rows_under_another_countys_keys(
    pg_store: PostgresStore, pg_url: str, county_role: str
) -> None:
    """The attack of issue #19: rows with one's own county label but another county's keys."""
    world, _, cs_id = two_tenants(pg_store)
    with pg_store.writing() as conn:
        enable_row_security(conn)
        grant_counties(conn, county_role, [CITY])
        template = dict(
            conn.execute(sa.select(t.events).where(t.events.c.county == CITY).limit(1)).mappings().one()
        )
        outbox = dict(
            conn.execute(sa.select(t.outbox).where(t.outbox.c.county == CITY).limit(1)).mappings().one()
        )
    del template["position"]
    their_next_problem = f"{OTHER_CITY}-2025-0002"
    planted = {
        "an event in their problem's stream": sa.insert(t.events).values(
            {**template, "stream": "problem", "stream_id": cs_id, "version": 99}
        ),
        "their next problem's first event": sa.insert(t.events).values(
            {**template, "stream": "problem", "stream_id": their_next_problem, "version": 1}
        ),
        "their next outbox key": sa.insert(t.outbox).values(
            {**outbox, "key": f"problem:{their_next_problem}:v1:assigned:console"}
        ),
        "their next session": sa.insert(t.records).values(
            kind="session", key=f"{OTHER_CITY}-S0001", county=CITY, version=1, data={}
        ),
        "their division": sa.insert(t.records).values(
            kind="division", key=OTHER_CITY, county=CITY, version=1, data={}
        ),
        "their next configuration file": sa.insert(t.records).values(
            kind="county_config", key=f"{OTHER_CITY}#0001", county=CITY, version=1, data={}
        ),
    }
    store = open_postgres(as_role(pg_url, county_role))
    try:
        for what, statement in planted.items():
            refusal = pytest.raises(sa.exc.DBAPIError, match="row-level security")
            with refusal as refused, store.engine.begin() as conn:
                conn.execute(statement)
            assert "duplicate" not in str(refused.value), what  # refused before any unique index is asked
        # A code that names no county (a department's own short code) is still the county's to write.
        world.ledger = Ledger(store, clock=world.clock)
        admin = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
        world.ledger.handle(
            admin, c.RegisterDepartment(code="fgw", name="张家界市发展和改革委员会", county=CITY)
        )
    finally:
        store.close()
    # 长沙's own next commands are untouched by the attempts.
    cs_next = world.ledger = Ledger(pg_store, clock=world.clock)
    problem = cs_next.handle(CS_COLLECTOR, c.CollectProblem(
        enterprise_id=cs_next.problem(CS_COLLECTOR, cs_id).enterprise_id, title="长沙的第二个问题",
        category="土地规划", source="调研走访",
    ))  # fmt: skip
    assert problem.id == their_next_problem
    session = cs_next.handle(
        Actor(id="cs-ms", role=Role.SECRETARIAT, county=OTHER_CITY),
        c.PlanSession(
            county=OTHER_CITY, held_on="2025-04-30", kind="reception_day", chair_title="市长", chair_name="某"
        ),
    )
    assert session.id == f"{OTHER_CITY}-S0001"
