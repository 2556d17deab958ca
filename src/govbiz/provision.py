"""Setting a county up in a ledger from its profile (区县初始化).

A county's profile (from its plugin, or from a configuration file kept in
the ledger: `govbiz county apply`) lists its departments; `provision_county`
registers the division and every department that the ledger does not have
yet, so running it twice changes nothing.
"""

from __future__ import annotations

from typing import Any

import attrs

from govbiz import commands as c
from govbiz.domain.actors import Actor
from govbiz.domain.tenancy import DivisionLevel
from govbiz.errors import NotFoundError, ValidationError
from govbiz.ledger import Ledger
from govbiz.ports.storage import RecordKind

__all__ = ["Provisioned", "provision_county"]


@attrs.frozen(slots=True)
class Provisioned:
    """What `provision_county` registered (empty tuples when everything was there)."""

    divisions: tuple[str, ...]
    departments: tuple[str, ...]


def provision_county(ledger: Ledger, admin: Actor, county: str, *, parent: str | None = None) -> Provisioned:
    """Register `county` (as a city, or a county of `parent`) and its profile's departments.

    `admin` is an administrator of the county (or of its city).  Records the
    ledger already has are left alone.  Everything is registered in one
    unit of work: if any command fails (a department the admin may not
    register, a bad code), nothing is stored, not even the division.
    """
    profile = ledger.profile(county)
    if not profile.name:
        raise ValidationError(
            "county",
            county,
            "no county plugin or configuration file names this county: describe it in a file "
            "(see examples/county/yongding.toml) and run `govbiz county apply FILE` "
            "or `govbiz county setup --county CODE --config FILE`, or install the county's plugin",
        )
    commands: list[c.Command[Any]] = []
    divisions: list[str] = []
    if not _exists(ledger, admin, RecordKind.DIVISION, county):
        level = DivisionLevel.COUNTY if parent else DivisionLevel.CITY
        commands.append(c.RegisterDivision(code=county, name=profile.name, level=level, parent=parent))
        divisions.append(county)
    departments: list[str] = []
    for department in profile.departments:
        if not _exists(ledger, admin, RecordKind.DEPARTMENT, department.code):
            commands.append(
                c.RegisterDepartment(
                    code=department.code,
                    name=department.name,
                    short_name=department.short_name,
                    county=department.county,
                )
            )
            departments.append(department.code)
    if commands:
        with ledger.unit() as unit:  # all or nothing: no half-registered county
            for command in commands:
                unit.handle(admin, command)
    return Provisioned(divisions=tuple(divisions), departments=tuple(departments))


def _exists(ledger: Ledger, actor: Actor, kind: RecordKind, key: str) -> bool:
    try:
        ledger.record(actor, kind, key)
    except NotFoundError:
        return False
    return True
