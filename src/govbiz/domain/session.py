"""Reception sessions (接待日 / 圆桌会议 / 专场)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import attrs

from govbiz.domain.text import division_code, optional_text, required_text

__all__ = ["Chair", "ReceptionSession", "SessionKind"]


class SessionKind(StrEnum):
    """The kinds of face-to-face session in the article."""

    #: 企业家接待日: a leader's monthly reception day.
    RECEPTION_DAY = "reception_day"
    #: 政企圆桌会议: a round table (the first session, 31 March, was one).
    ROUND_TABLE = "round_table"
    #: 专场: a special session on one theme, e.g. optimising the business environment.
    SPECIAL = "special"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the kind."""
        return {
            SessionKind.RECEPTION_DAY: "企业家接待日",
            SessionKind.ROUND_TABLE: "政企圆桌会议",
            SessionKind.SPECIAL: "专场",
        }[self]


@attrs.frozen(slots=True)
class Chair:
    """The leader chairing a session (接待领导): a title such as 市委书记 and a name."""

    title: str = attrs.field(validator=required_text(100))
    name: str = attrs.field(default="", validator=optional_text())


@attrs.frozen(slots=True)
class ReceptionSession:
    """A reception day (接待日) at which problems are assigned on the spot.

    The agenda is not stored here: it is the set of problems scheduled for or
    assigned at the session, so it can never disagree with the problems.
    """

    id: str
    county: str = attrs.field(validator=division_code)
    held_on: date
    kind: SessionKind = attrs.field(converter=SessionKind)
    chair: Chair
    place: str = attrs.field(default="", validator=optional_text())
    topic: str = attrs.field(default="", validator=optional_text())
    departments: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()
