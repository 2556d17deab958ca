"""Applying a county configuration file to a ledger (应用区县配置): plan, then one unit of work.

`plan_county_file` says what applying would change: the divisions and
departments to register, and whether the file's text is new to the ledger.
`apply_county_file` carries the plan out in one unit of work
(`govbiz.Ledger.unit`): everything is stored, or nothing.  Records the
ledger has already are left alone, so applying the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import attrs

from govbiz import commands as c
from govbiz.config.file import ConfigFileError, CountyFile, DepartmentTable, DivisionTable, line_of
from govbiz.config.kept import latest_kept
from govbiz.domain.actors import Actor, Role
from govbiz.domain.tenancy import Department, Division, DivisionLevel
from govbiz.ledger import Ledger
from govbiz.ports.storage import RecordKind

__all__ = ["ApplyPlan", "apply_county_file", "plan_county_file"]


@attrs.frozen(slots=True)
class ApplyPlan:
    """What applying a file changes (`divisions`, `departments` to register, `keep` the text).

    `unchanged` lists records the ledger has already whose name differs
    from the file's: registry records are never renamed by a file, so they
    are reported, not changed.
    """

    file: CountyFile
    divisions: tuple[DivisionTable, ...] = ()
    departments: tuple[tuple[str, DepartmentTable], ...] = ()
    keep: bool = False
    unchanged: tuple[str, ...] = ()

    @property
    def changes(self) -> bool:
        """True when applying the file would store anything."""
        return bool(self.divisions or self.departments or self.keep)

    def lines(self) -> list[str]:
        """The plan as a clerk reads it, one change a line."""
        out = [f"register division {d.code} {d.name}" for d in self.divisions]
        out += [f"register department {d.code} {d.name} ({county})" for county, d in self.departments]
        if self.keep:
            out.append(f"keep {self.file.source} (sha256 {self.file.sha256[:12]}) as the profile of "
                       + ", ".join(self.file.codes()))
        out += [f"note: {what}" for what in self.unchanged]
        return out or ["nothing to change: the ledger already has this file"]


def plan_county_file(ledger: Ledger, file: CountyFile) -> ApplyPlan:
    """What `apply_county_file` would change in `ledger`; nothing is stored."""
    divisions: list[DivisionTable] = []
    departments: list[tuple[str, DepartmentTable]] = []
    unchanged: list[str] = []
    with ledger.store.unit_of_work() as uow:
        for i, table in enumerate(file.divisions):
            known = uow.get_record(RecordKind.DIVISION, table.code)
            if isinstance(known, Division):
                if known.name != table.name:
                    unchanged.append(f"division {table.code} is registered as {known.name!r}; kept")
            else:
                parent = table.parent
                if parent is not None and uow.get_record(RecordKind.DIVISION, parent) is None and not any(
                    d.code == parent for d in divisions
                ):
                    key = f"divisions[{i}].parent"
                    reason = "this city is not in the ledger: list it first in the file ([[divisions]])"
                    raise ConfigFileError(file.source, line_of(file.text, key), key, parent, reason)
                divisions.append(table)
            for department in table.departments:
                found = uow.get_record(RecordKind.DEPARTMENT, department.code)
                if isinstance(found, Department):
                    if (found.name, found.county) != (department.name, table.code):
                        unchanged.append(f"department {department.code} is registered as {found.name!r} "
                                         f"of {found.county}; kept")
                else:
                    departments.append((table.code, department))
        latest = {k.county: k for k in latest_kept(uow)}.get(file.county)
    keep = latest is None or latest.sha256 != file.sha256
    return ApplyPlan(file, tuple(divisions), tuple(departments), keep, tuple(unchanged))


def apply_county_file(
    ledger: Ledger, file: CountyFile, *, actor: str = "cli-admin", dry_run: bool = False
) -> ApplyPlan:
    """Register what `file` describes and keep it in `ledger`, atomically; returns what changed.

    `actor` is the administrator's id in the audit trail (an administrator
    of each division the file registers).  With `dry_run`, only the plan is
    returned.
    """
    plan = plan_county_file(ledger, file)
    if dry_run or not plan.changes:
        return plan
    with ledger.unit() as unit:
        for table in plan.divisions:
            level = DivisionLevel.COUNTY if table.parent else DivisionLevel.CITY
            command = c.RegisterDivision(code=table.code, name=table.name, level=level, parent=table.parent)
            unit.handle(_admin(actor, table.code), command)
        for county, department in plan.departments:
            command_ = c.RegisterDepartment(
                code=department.code, name=department.name, county=county, short_name=department.short_name
            )
            unit.handle(_admin(actor, county), command_)
        if plan.keep:
            unit.handle(_admin(actor, file.county), c.KeepCountyConfig(text=file.text, source=file.source))
    ledger.forget_profiles()  # this process lays the new file from its next command
    return plan


def _admin(actor: str, county: str) -> Actor:
    return Actor(id=actor, role=Role.ADMINISTRATOR, county=county)
