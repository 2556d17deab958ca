"""Grouping figures (分组统计): by department, category, session, chair, county, city ...

A grouping turns a problem's facts into one group key.  Keys that need a
registry record (the chair of a session, the city of a county) and the labels
a report prints come from a `GroupContext`, built from a ledger with
`GroupContext.from_ledger` or by hand.

Two groupings can be crossed (交叉分组), e.g. department × month
(部门×月份): a cross group's key is its two keys joined by `CROSS`
(`430800-zgj × 2025-03`, see `cross_key`) and its label their two labels
joined the same way (`市自规局 × 2025-03`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

import attrs

from govbiz.domain.session import ReceptionSession
from govbiz.domain.tenancy import Division
from govbiz.errors import ValidationError
from govbiz.metrics.facts import ProblemFacts

if TYPE_CHECKING:
    from govbiz.domain.actors import Actor
    from govbiz.ledger import Ledger

__all__ = [
    "CROSS",
    "NONE_KEY",
    "GroupContext",
    "Grouping",
    "cross_key",
    "group_key",
    "parse_cross_grouping",
    "parse_grouping",
]

#: The key of problems that have no value for the grouping (e.g. assigned outside any session).
NONE_KEY = "-"
#: What joins the keys (and the labels) of a cross group: `430800-zgj × 2025-03`.
CROSS = " × "


class Grouping(StrEnum):
    """What figures can be grouped by (分组维度)."""

    DEPARTMENT = "department"
    """主办部门: the lead department of the assignment in force."""
    CATEGORY = "category"
    """问题类别."""
    SESSION = "session"
    """接待日: the session the problem was scheduled for or assigned at."""
    CHAIR = "chair"
    """接待领导: the chair of that session (title and name, from the session record)."""
    COUNTY = "county"
    """区县: the division the problem belongs to."""
    CITY = "city"
    """市: a county's city; a city's own problems and all its counties' (rolled up)."""
    ENTERPRISE = "enterprise"
    """企业."""
    MONTH = "month"
    """交办月份: the Beijing-time month of the first assignment, YYYY-MM."""

    @property
    def label_zh(self) -> str:
        """The Chinese name of the grouping."""
        return _LABELS[self]


_LABELS = {
    Grouping.DEPARTMENT: "主办部门",
    Grouping.CATEGORY: "问题类别",
    Grouping.SESSION: "接待日",
    Grouping.CHAIR: "接待领导",
    Grouping.COUNTY: "区县",
    Grouping.CITY: "市（含所辖区县）",
    Grouping.ENTERPRISE: "企业",
    Grouping.MONTH: "交办月份",
}


def parse_grouping(value: Grouping | str, field: str = "group_by") -> Grouping:
    """`value` as a `Grouping`; a `ValidationError` on `field` naming the choices if unknown."""
    try:
        return Grouping(value)
    except ValueError:
        choices = ", ".join(g.value for g in Grouping)
        raise ValidationError(field, value, f"unknown grouping; choose one of {choices}") from None


def parse_cross_grouping(
    value: Grouping | str | tuple[Grouping | str, Grouping | str], field: str = "group_by"
) -> tuple[Grouping, Grouping | None]:
    """A grouping, or two crossed: `"department"`, `"department×month"` (or `"department*month"`).

    Returns the first grouping and the second (`None` when not crossed).
    A `ValidationError` on `field` names an unknown grouping, a grouping
    crossed with itself, or more than two.
    """
    if isinstance(value, tuple):
        names: list[Grouping | str] = list(value)
    elif isinstance(value, Grouping):
        names = [value]
    else:
        names = [name.strip() for name in value.replace("*", "×").split("×")]
    if not 1 <= len(names) <= 2:
        raise ValidationError(field, value, "cross at most two groupings, e.g. department×month")
    first, *then = (parse_grouping(name, field) for name in names)
    if then and then[0] is first:
        raise ValidationError(field, value, "a grouping cannot be crossed with itself")
    return first, then[0] if then else None


def cross_key(*keys: str) -> str:
    """The key of a (cross) group from its keys in grouping order: `430800-zgj × 2025-03`."""
    return CROSS.join(keys)


@attrs.frozen(slots=True)
class GroupContext:
    """Registry data that groupings and labels need.

    `sessions` by id (for the chair), `divisions` by code (for the city of
    a county), and `labels`: per grouping, key -> the name a report prints
    (市自规局 for a department code, 永定区 for a county code ...).
    """

    sessions: Mapping[str, ReceptionSession] = attrs.field(factory=dict)
    divisions: Mapping[str, Division] = attrs.field(factory=dict)
    labels: Mapping[Grouping, Mapping[str, str]] = attrs.field(factory=dict)

    @classmethod
    def from_ledger(cls, ledger: Ledger, actor: Actor) -> GroupContext:
        """Sessions, divisions and the names of departments, enterprises and sessions the actor may see."""
        sessions = {s.id: s for s in ledger.records(actor, "session")}
        divisions = {d.code: d for d in ledger.records(actor, "division")}
        departments = {d.code: d.label for d in ledger.records(actor, "department")}
        enterprises = {e.id: e.name for e in ledger.records(actor, "enterprise")}
        counties = {code: d.name for code, d in divisions.items()}
        labels: dict[Grouping, Mapping[str, str]] = {
            Grouping.DEPARTMENT: departments,
            Grouping.ENTERPRISE: enterprises,
            Grouping.COUNTY: counties,
            Grouping.CITY: counties,
            Grouping.SESSION: {k: f"{s.held_on.isoformat()} {s.kind.label_zh}" for k, s in sessions.items()},
        }
        return cls(sessions=sessions, divisions=divisions, labels=labels)

    def label(self, grouping: Grouping | None, key: str) -> str:
        """The printed name of a group key (the key itself when no name is known)."""
        if key == NONE_KEY:
            return "（无）"
        if grouping is None:
            return "合计"
        return self.labels.get(grouping, {}).get(key, key)

    def cross_label(self, groupings: tuple[Grouping, ...], keys: tuple[str, ...]) -> str:
        """The printed name of a group under one or more groupings: `市自规局 × 2025-03` (合计 for none)."""
        if not groupings:
            return self.label(None, "")
        return CROSS.join(self.label(g, k) for g, k in zip(groupings, keys, strict=True))

    def city_of(self, county: str) -> str:
        """The city a division rolls up to: its parent, or itself for a city or an unknown code."""
        division = self.divisions.get(county)
        return division.parent if division is not None and division.parent else county


def group_key(facts: ProblemFacts, grouping: Grouping, context: GroupContext) -> str:
    """The key of the group `facts` belongs to under `grouping`."""
    if grouping is Grouping.CHAIR:
        session = context.sessions.get(facts.session_id or "")
        return f"{session.chair.title}{session.chair.name}" if session else NONE_KEY
    if grouping is Grouping.CITY:
        return context.city_of(facts.county)
    if grouping is Grouping.MONTH:
        return facts.assigned_on.strftime("%Y-%m") if facts.assigned_on else NONE_KEY
    value = {
        Grouping.DEPARTMENT: facts.department,
        Grouping.CATEGORY: facts.category,
        Grouping.SESSION: facts.session_id,
        Grouping.COUNTY: facts.county,
        Grouping.ENTERPRISE: facts.enterprise_id,
    }[grouping]
    return value or NONE_KEY
