"""County isolation on PostgreSQL: one county's ledger never reads or changes another's rows.

Two tenants share one database: Zhangjiajie (city 430800 and its county
永定区 430802) and Changsha (430100).  Actors of each try, through the
Ledger, to read, list and change the other's problems and records; every
query the Ledger sends carries the actor's counties, so the rows are
simply not found.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from govbiz_postgres.store import PostgresStore

from govbiz import commands as c
from govbiz.domain import Actor, Role
from govbiz.errors import NotFoundError, PermissionDeniedError
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery, RecordKind
from govbiz.storage.sql import schema as t
from tests.conftest import COUNTY, OTHER_CITY, build_world, credit_code

CS_ADMIN = Actor(id="cs-admin", role=Role.ADMINISTRATOR, county=OTHER_CITY)
CS_COLLECTOR = Actor(id="cs-tzb", role=Role.COLLECTOR, county=OTHER_CITY)
CS_SUPERVISOR = Actor(id="cs-dcs", role=Role.SUPERVISOR, county=OTHER_CITY)
CS_VIEWER = Actor(id="cs-view", role=Role.VIEWER, county=OTHER_CITY)
CS_HANDLER = Actor(id="cs-zgj", role=Role.DEPARTMENT_HANDLER, county=OTHER_CITY, department="430100-zgj")


def test_a_county_cannot_read_or_change_another_countys_rows(pg_store: PostgresStore) -> None:
    world = build_world(Ledger(pg_store))
    ledger = world.ledger
    zjj_problem = world.signed("张家界的问题")
    ledger.handle(CS_ADMIN, c.RegisterDivision(code=OTHER_CITY, name="长沙市", level="city"))
    ledger.handle(
        CS_ADMIN, c.RegisterDepartment(code="430100-zgj", name="长沙市自然资源和规划局", county=OTHER_CITY)
    )
    enterprise = ledger.handle(
        CS_ADMIN,
        c.RegisterEnterprise(
            county=OTHER_CITY, name="长沙某科技有限公司", credit_code=credit_code("91430100MA4L54321")
        ),
    )
    cs_problem = ledger.handle(
        CS_COLLECTOR,
        c.CollectProblem(
            enterprise_id=enterprise.id, title="长沙的问题", category="土地规划", source="调研走访"
        ),
    )
    before = _rows(pg_store)

    # Changsha's actors do not see Zhangjiajie's rows ...
    with pytest.raises(NotFoundError):
        ledger.problem(CS_VIEWER, zjj_problem.id)
    assert [p.id for p in ledger.problems(CS_VIEWER)] == [cs_problem.id]
    assert {r.county for r in ledger.records(CS_VIEWER, RecordKind.DEPARTMENT)} == {OTHER_CITY}  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        ledger.record(CS_VIEWER, RecordKind.ENTERPRISE, world.enterprise_id)
    # ... and cannot change them, whatever their role.
    for actor, command in [
        (CS_SUPERVISOR, c.SendReminder(problem_id=zjj_problem.id, note="越权催办")),
        (CS_HANDLER, c.ReportProgress(problem_id=zjj_problem.id, text="越权报送")),
        (CS_COLLECTOR, c.WithdrawProblem(problem_id=zjj_problem.id, reason="越权撤回")),
    ]:
        with pytest.raises((NotFoundError, PermissionDeniedError)):
            ledger.handle(actor, command)
    with pytest.raises((NotFoundError, PermissionDeniedError)):
        ledger.handle(
            CS_COLLECTOR,
            c.CollectProblem(
                enterprise_id=world.enterprise_id,
                title="冒用他市企业",
                category="土地规划",
                source="调研走访",
            ),
        )
    with pytest.raises(PermissionDeniedError):
        ledger.handle(CS_ADMIN, c.RegisterDepartment(code="430800-fake", name="冒名部门", county="430800"))

    # Zhangjiajie's county sees neither Changsha's rows nor its city's.
    yongding = Actor(id="yd-view", role=Role.VIEWER, county=COUNTY)
    assert ledger.problems(yongding) == []
    with pytest.raises(NotFoundError):
        ledger.problem(yongding, cs_problem.id)
    with pytest.raises(NotFoundError):
        ledger.problem(yongding, zjj_problem.id)
    # The city sees its own and its counties', never Changsha's.
    assert cs_problem.id not in {p.id for p in ledger.problems(world.viewer)}

    assert _rows(pg_store) == before  # every attempt wrote nothing, anywhere
    with pg_store.unit_of_work() as uow:
        assert {p.county for p in uow.find_problems(ProblemQuery(counties=frozenset({OTHER_CITY})))} == {
            OTHER_CITY
        }


def _rows(store: PostgresStore) -> dict[str, int]:
    """Row counts of every table, and the newest event position."""
    with store.reading() as conn:
        counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        }
        counts["max_position"] = conn.execute(sa.select(sa.func.max(t.events.c.position))).scalar_one()
    return counts
