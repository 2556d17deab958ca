"""Administrative divisions (行政区划) as tenants, and departments (职能部门).

Every record in the ledger belongs to exactly one division, its tenant.  A
county (区县) is the usual tenant; a city (市) is a tenant for its own
city-level reception days and departments (市自规局, 市住建局 ...), and it
also sees its counties' records rolled up.  Divisions are identified by their
six-digit administrative division code (行政区划代码, GB/T 2260), e.g.
`430800` 张家界市 and `430802` 永定区.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from govbiz.domain.text import division_code, required_text
from govbiz.errors import ValidationError

__all__ = ["Department", "Division", "DivisionLevel", "city_code", "validate_division_code"]


class DivisionLevel(StrEnum):
    """Level of an administrative division: 市 (city) or 区县 (county)."""

    CITY = "city"
    COUNTY = "county"


def validate_division_code(code: object, field: str = "county") -> str:
    """Return `code` if it is a six-digit administrative division code (行政区划代码)."""
    if not isinstance(code, str) or len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise ValidationError(field, code, "an administrative division code has six digits 0-9")
    return code


def city_code(code: str) -> str:
    """The code of the city (地级市) a county belongs to: its first four digits, then `00`.

    GB/T 2260 gives a county the code of its city with the last two digits
    changed (永定区 `430802` is in 张家界市 `430800`); a city's code is its
    own city.  For a county-level city that a province administers directly
    (省直辖县级市, `429004` 仙桃市) this is the code of the group it is
    listed under (`429000`), not a city.
    """
    validate_division_code(code)
    return code[:4] + "00"


@attrs.frozen(slots=True)
class Division:
    """An administrative division (行政区划) acting as a tenant.

    `parent` is the city's code for a county and `None` for a city.
    """

    code: str = attrs.field(validator=division_code)
    name: str = attrs.field(validator=required_text())
    level: DivisionLevel = attrs.field(converter=DivisionLevel)
    parent: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.level is DivisionLevel.COUNTY and self.parent is None:
            raise ValidationError("parent", None, f"county {self.code} needs the code of its city")
        if self.level is DivisionLevel.CITY and self.parent is not None:
            raise ValidationError("parent", self.parent, f"city {self.code} has no parent division")
        if self.parent is not None:
            validate_division_code(self.parent, "parent")


@attrs.frozen(slots=True)
class Department:
    """A functional department (职能部门) that handles assigned problems.

    `code` is unique within the ledger (e.g. `"430800-zgj"`), `name` the
    full name (张家界市自然资源和规划局) and `short_name` the name clerks use
    (市自规局).  `county` is the division it belongs to: a county, or the
    city for city-level departments.  A bank or a financial regulator that
    takes assignments is registered as a department too.
    """

    code: str = attrs.field(validator=required_text())
    name: str = attrs.field(validator=required_text())
    county: str = attrs.field(validator=division_code)
    short_name: str = ""

    @property
    def label(self) -> str:
        """The name a clerk reads: the short name if there is one."""
        return self.short_name or self.name
