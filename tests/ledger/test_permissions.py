"""Roles, departments, enterprises and counties: who may do what to which record."""

from __future__ import annotations

import pytest

from govbiz import commands as c
from govbiz.domain import Actor, Role
from govbiz.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.conftest import COUNTY, OTHER_CITY, World


def test_a_role_not_in_the_table_is_refused_and_nothing_stored(world: World) -> None:
    problem = world.collect()
    with pytest.raises(PermissionDeniedError, match="only collector may 研判分类") as info:
        world.ledger.handle(world.viewer, c.TriageProblem(problem_id=problem.id))
    assert info.value.action == "triage"
    assert len(world.ledger.history(world.viewer, problem.id)) == 1


def test_an_enterprise_contact_raises_problems_of_its_own_enterprise_only(world: World) -> None:
    other = world.ledger.handle(
        world.admin,
        c.RegisterEnterprise(
            county="430800", name="张家界冰雪世界有限公司", credit_code="91110000600037341L"
        ),
    )
    own = world.ledger.handle(
        world.contact,
        c.CollectProblem(
            enterprise_id=world.enterprise_id, title="用电", category="基础设施", source="企业自报"
        ),
    )
    assert own.collected_by == world.contact.id
    with pytest.raises(PermissionDeniedError, match="its own enterprise"):
        world.ledger.handle(
            world.contact,
            c.CollectProblem(enterprise_id=other.id, title="贷款", category="融资", source="企业自报"),
        )


def test_another_county_cannot_see_or_change_the_citys_problem(world: World) -> None:
    problem = world.collect()
    with pytest.raises(NotFoundError):
        world.ledger.problem(world.county_collector, problem.id)
    with pytest.raises(NotFoundError):
        world.ledger.history(world.county_collector, problem.id)
    assert world.ledger.problems(world.county_collector) == []
    with pytest.raises(PermissionDeniedError, match="belongs to county 430800"):
        world.ledger.handle(world.county_collector, c.TriageProblem(problem_id=problem.id))
    assert world.ledger.problem(world.viewer, problem.id).version == 1


def test_a_city_sees_its_counties_rolled_up_but_a_stranger_does_not(world: World) -> None:
    admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    enterprise = world.ledger.handle(
        admin, c.RegisterEnterprise(county=COUNTY, name="永定区某旅游公司", credit_code="914403001922038216")
    )
    county_problem = world.ledger.handle(
        world.county_collector,
        c.CollectProblem(enterprise_id=enterprise.id, title="景区停车", category="审批", source="座谈会"),
    )
    city_problem = world.collect()
    assert [p.id for p in world.ledger.problems(world.viewer)] == sorted([city_problem.id, county_problem.id])
    assert [p.id for p in world.ledger.problems(world.viewer, county=COUNTY)] == [county_problem.id]
    assert [p.id for p in world.ledger.problems(world.county_collector)] == [county_problem.id]
    stranger = Actor(id="cs", role=Role.VIEWER, county=OTHER_CITY)
    assert world.ledger.problems(stranger) == []
    with pytest.raises(PermissionDeniedError):
        world.ledger.problems(stranger, county=COUNTY)


def test_a_county_cannot_register_records_in_another_division(world: World) -> None:
    county_admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    with pytest.raises(PermissionDeniedError, match="not the actor's county"):
        world.ledger.handle(county_admin, c.RegisterDepartment(code="x", name="某局", county="430800"))


def test_departments_of_another_county_cannot_be_assigned(world: World) -> None:
    problem = world.collect()
    world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    with pytest.raises(ValidationError, match="belongs to county 430802") as info:
        world.ledger.handle(world.chair, c.AssignProblem(problem_id=problem.id, lead="430802-zrzy"))
    assert info.value.field == "lead"


def test_registry_refusals_name_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        world.ledger.handle(
            world.admin,
            c.RegisterEnterprise(county="430800", name="某公司", credit_code="91350100M000100Y44"),
        )
    assert info.value.field == "credit_code"
    with pytest.raises(ValidationError, match="already registered as enterprise") as info:
        world.ledger.handle(
            world.admin,
            c.RegisterEnterprise(
                county="430800",
                name="同一家",
                credit_code=world.ledger.record(world.viewer, "enterprise", world.enterprise_id).credit_code,
            ),
        )
    with pytest.raises(ValidationError) as info:
        c.RegisterDivision(code="43080", name="x", level="county", parent="430800")
    assert info.value.field == "code"
    with pytest.raises(ValidationError, match="already registered"):
        world.ledger.handle(
            world.admin, c.RegisterDepartment(code="430800-zgj", name="重复", county="430800")
        )
