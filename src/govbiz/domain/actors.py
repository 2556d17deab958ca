"""Who acts (操作人) and in which role (角色).

Every command is made by an `Actor`.  The role decides which actions
are allowed at all (see `govbiz.domain.lifecycle`); the actor's division
limits what it can see and change; a department handler's department limits
which assignments it can act on.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from govbiz.domain.text import division_code, required_text
from govbiz.errors import ValidationError

__all__ = ["Actor", "Role"]


class Role(StrEnum):
    """The roles of the reception-day mechanism."""

    #: 收集人: United Front Work Department / Federation of Industry and Commerce staff
    #: who collect problems, keep the ledger and lead return visits.
    COLLECTOR = "collector"
    #: 市委办/市政府办: receive the classified ledger, plan sessions, approve changes.
    SECRETARIAT = "secretariat"
    #: 接待领导 (书记/市长/副市长): chairs a reception day and assigns on the spot.
    CHAIR = "chair"
    #: 部门经办人: handles the problems assigned to their own department.
    DEPARTMENT_HANDLER = "department_handler"
    #: 督查室: supervises, sends reminders (催办/督办) and publishes circulars.
    SUPERVISOR = "supervisor"
    #: 企业联系人: raises problems for their enterprise and may withdraw them.
    ENTERPRISE_CONTACT = "enterprise_contact"
    #: 只读: sees the ledger, changes nothing.
    VIEWER = "viewer"
    #: 系统管理员: registers divisions, departments and enterprises.
    ADMINISTRATOR = "administrator"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the role."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.COLLECTOR: "收集人",
    Role.SECRETARIAT: "市委办/市政府办",
    Role.CHAIR: "接待领导",
    Role.DEPARTMENT_HANDLER: "部门经办人",
    Role.SUPERVISOR: "督查室",
    Role.ENTERPRISE_CONTACT: "企业联系人",
    Role.VIEWER: "只读",
    Role.ADMINISTRATOR: "系统管理员",
}


@attrs.frozen(slots=True)
class Actor:
    """A person acting in a role for a division (and a department or enterprise).

    `id` is the caller's user identifier, recorded in every event it causes.
    A `Role.DEPARTMENT_HANDLER` must name its `department`; an
    `Role.ENTERPRISE_CONTACT` must name its `enterprise`.
    """

    id: str = attrs.field(validator=required_text(200))
    role: Role = attrs.field(converter=Role)
    county: str = attrs.field(validator=division_code)
    name: str = ""
    department: str | None = None
    enterprise: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.role is Role.DEPARTMENT_HANDLER and not self.department:
            raise ValidationError("department", self.department, "a department handler names its department")
        if self.role is Role.ENTERPRISE_CONTACT and not self.enterprise:
            raise ValidationError("enterprise", self.enterprise, "an enterprise contact names its enterprise")

    def describe(self) -> str:
        """`"collector u-17 (430800)"`: how errors and logs name this actor."""
        return f"{self.role.value} {self.id} ({self.county})"
