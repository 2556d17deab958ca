"""Registry commands (登记): divisions, departments, enterprises and lasting rules (长效机制).

Each handler checks who may register (an administrator, a collector …, in
their own county), builds the record and stages it with its
`<kind>_registered` event.
"""

from __future__ import annotations

from typing import Any

import attrs

from govbiz import commands as c
from govbiz.domain.actors import Role
from govbiz.domain.enterprise import Contact, Enterprise
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import LinkedRule
from govbiz.domain.problem import Problem
from govbiz.domain.tenancy import Department, Division, DivisionLevel, city_code
from govbiz.errors import PermissionDeniedError, ValidationError
from govbiz.handlers.contacts import registration_payload, stored_enterprise
from govbiz.handlers.context import CommandContext, Handler, command_payload
from govbiz.ports.storage import RecordKind

__all__ = ["HANDLERS", "ROLES"]

#: Who may run each registry command.
ROLES: dict[type[c.Command[Any]], frozenset[Role]] = {
    c.RegisterDivision: frozenset({Role.ADMINISTRATOR}),
    c.RegisterDepartment: frozenset({Role.ADMINISTRATOR}),
    c.RegisterEnterprise: frozenset({Role.ADMINISTRATOR, Role.COLLECTOR}),
    c.RecordLastingRule: frozenset({Role.COLLECTOR, Role.SECRETARIAT, Role.DEPARTMENT_HANDLER}),
}


def register_division(ctx: CommandContext, cmd: c.RegisterDivision) -> Division:
    """A city or county (行政区划); an administrator registers their own or its counties."""
    ctx.require_role(ROLES[c.RegisterDivision], "RegisterDivision")
    division = Division(code=cmd.code, name=cmd.name, level=cmd.level, parent=cmd.parent)
    if ctx.actor.county not in (division.code, division.parent):
        raise PermissionDeniedError(
            ctx.actor.describe(),
            "register_division",
            f"an administrator of {ctx.actor.county} registers that division or its counties only",
        )
    if division.parent is not None:
        parent = ctx.record(RecordKind.DIVISION, division.parent, Division)
        if parent.level is not DivisionLevel.CITY:
            raise ValidationError("parent", division.parent, "a county's parent must be a city")
    ctx.add_record(
        RecordKind.DIVISION, division.code, division, county=division.code, payload=command_payload(cmd)
    )
    return division


def register_department(ctx: CommandContext, cmd: c.RegisterDepartment) -> Department:
    """A department (职能部门) of a registered county, by its administrator or its city's.

    A city's administrator sets its counties up (`govbiz.provision`), as it
    registers their divisions; another city's administrator may not.
    """
    ctx.require_role(ROLES[c.RegisterDepartment], "RegisterDepartment")
    if ctx.actor.county == cmd.county:
        ctx.record(RecordKind.DIVISION, cmd.county, Division)
    else:
        _require_city_of(ctx, cmd.county, "RegisterDepartment")
    department = Department(code=cmd.code, name=cmd.name, county=cmd.county, short_name=cmd.short_name)
    ctx.add_record(
        RecordKind.DEPARTMENT, department.code, department, county=department.county,
        payload=command_payload(cmd),
    )  # fmt: skip
    return department


def register_enterprise(ctx: CommandContext, cmd: c.RegisterEnterprise) -> Enterprise:
    """An enterprise (企业), once per unified social credit code in its county."""
    _check(ctx, cmd, cmd.county)
    ctx.record(RecordKind.DIVISION, cmd.county, Division)
    for existing in ctx.uow.list_records(RecordKind.ENTERPRISE, frozenset({cmd.county})):
        assert isinstance(existing, Enterprise)
        if cmd.credit_code and existing.credit_code == cmd.credit_code:
            raise ValidationError(
                "credit_code", cmd.credit_code, f"already registered as enterprise {existing.id}"
            )
    # Every field is checked before a number is drawn: numbers are never handed back (see
    # `UnitOfWork.next_number`), so a mistyped credit code would otherwise leave a gap in the 台账.
    checked = Enterprise(
        id="",
        county=cmd.county,
        name=cmd.name,
        credit_code=cmd.credit_code,
        contacts=tuple(Contact(name=x.name, phone=x.phone, position=x.position) for x in cmd.contacts),
        industry=cmd.industry,
        code_as_written=cmd.code_as_written,
    )
    enterprise = attrs.evolve(checked, id=ctx.new_id("enterprise", cmd.county, "E", 5))
    stored = stored_enterprise(ctx, enterprise)  # contacts sealed, their digest beside them
    ctx.add_record(
        RecordKind.ENTERPRISE, enterprise.id, stored, county=enterprise.county,
        payload=registration_payload(command_payload(cmd), stored),
    )  # fmt: skip
    return attrs.evolve(enterprise, contacts_seal=stored.contacts_seal)  # the caller's contacts, in clear


def record_lasting_rule(ctx: CommandContext, cmd: c.RecordLastingRule) -> LastingRule:
    """A rule a department issued so that a kind of problem does not come back (长效机制)."""
    _check(ctx, cmd, cmd.county)
    ctx.department(cmd.issued_by, field="issued_by", county=cmd.county)
    rule = LastingRule(
        id=ctx.new_id("lasting_rule", cmd.county, "R", 4),
        county=cmd.county,
        title=cmd.title,
        issued_by=cmd.issued_by,
        issued_on=cmd.issued_on,
        document_number=cmd.document_number,
        summary=cmd.summary,
    )
    ctx.add_record(RecordKind.LASTING_RULE, rule.id, rule, county=rule.county, payload=command_payload(cmd))
    return rule


def link_lasting_rule(ctx: CommandContext, cmd: c.LinkLastingRule) -> Problem:
    """Record that a problem led to a lasting rule of its own county."""
    problem = ctx.problem(cmd.problem_id)
    rule = ctx.record(RecordKind.LASTING_RULE, cmd.rule_id, LastingRule)
    if rule.county != problem.county:
        raise ValidationError("rule_id", cmd.rule_id, "the lasting rule belongs to another county")
    return ctx.act(problem, Action.LINK_LASTING_RULE, LinkedRule(rule_id=rule.id))


def _require_city_of(ctx: CommandContext, county: str, action: str) -> None:
    """The actor works in the city that `county` (a registered division) belongs to."""
    division = None
    if _city_of(county) == ctx.actor.county:  # look only within the actor's own city
        division = ctx.record(RecordKind.DIVISION, county, Division)
    if division is None or division.parent != ctx.actor.county:
        ctx.require_own_county(county, action)  # raises PermissionDeniedError naming both counties


def _city_of(county: str) -> str | None:
    try:
        return city_code(county)
    except ValidationError:
        return None  # not a division code: the Department record refuses it


def _check(ctx: CommandContext, cmd: c.Command[Any], county: str) -> None:
    """The actor's role may run this registry command, in its own county."""
    ctx.require_role(ROLES[type(cmd)], type(cmd).__name__)
    ctx.require_own_county(county, type(cmd).__name__)


HANDLERS: dict[type[c.Command[Any]], Handler] = {
    c.RegisterDivision: register_division,
    c.RegisterDepartment: register_department,
    c.RegisterEnterprise: register_enterprise,
    c.RecordLastingRule: record_lasting_rule,
    c.LinkLastingRule: link_lasting_rule,
}
