"""What happens to an assigned problem (交办 and 办理), as small value objects.

These are stored inside `govbiz.domain.problem.Problem` and rebuilt
from event payloads on replay; each has `to_json`/`from_json` for that.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import attrs

__all__ = [
    "AppealStatus",
    "Assignment",
    "CoHandlingReply",
    "DeadlineOrigin",
    "DueDate",
    "Extension",
    "ExtensionStatus",
    "Holding",
    "ProgressReport",
    "RatingAppeal",
    "Reminder",
    "ReminderKind",
    "ResultOutcome",
    "ResultReport",
    "ReturnRequest",
    "ReturnStatus",
    "ReturnVisit",
    "Satisfaction",
    "Suspension",
    "Verification",
]


class DeadlineOrigin(StrEnum):
    """Where a deadline's last day comes from (期限来源).

    A day counted by the county's rule (`POLICY`), moved on by a suspension
    (`RESUMED`) or counted again on a holiday notice (`REBASED`) is a count
    that can be made again; a day a person set, the chair on the spot or
    the approver of an extension, is a date that stands (`is_set`).
    """

    #: Counted by the county's rule from the clock's start (按规则计算).
    POLICY = "policy"
    #: Fixed by the chair at the reception day (现场明确).
    ON_THE_SPOT = "on_the_spot"
    #: Set by an approved extension (延期).
    EXTENDED = "extended"
    #: A count moved on by the working days a suspension took (中止后恢复).
    RESUMED = "resumed"
    #: A count made again on a holiday notice added to the ledger (按放假安排复核).
    REBASED = "rebased"

    @property
    def is_set(self) -> bool:
        """True for a day a person set (on the spot, extended): a date, not a count."""
        return self in (DeadlineOrigin.ON_THE_SPOT, DeadlineOrigin.EXTENDED)


def _as_origin(value: DeadlineOrigin | str) -> DeadlineOrigin:
    # Checked before calling the enum: a DueDate is built for every deadline read or counted.
    return value if type(value) is DeadlineOrigin else DeadlineOrigin(value)


#: The basis text older payloads record for the days people set, and the origin it stands for.
_SET_BASIS = {"现场明确": DeadlineOrigin.ON_THE_SPOT, "延期": DeadlineOrigin.EXTENDED}


@attrs.frozen(slots=True)
class DueDate:
    """A computed deadline of one clock (期限), as stored with the assignment.

    `clock` is the clock's name in the county's deadline policy
    (`"sign"`, `"progress"`, `"result"`, `"return_visit"`);
    `last_day` is the last day on which the report is on time and
    `cutoff` the instant after which it is late; `basis` says where it
    came from (`"7个工作日"`, `"30日"`, `"现场明确"`, `"延期"` ...).
    `start` is the instant the clock started.  `provisional_years` are the
    years without a State Council notice that the counting went through: the
    last day rests on the holiday law alone (暂按法定节假日推算) and is
    re-based when the notice is added to the ledger.  `origin` says what set
    the last day (`DeadlineOrigin`); `basis` is its label for people.
    """

    clock: str
    start: datetime
    last_day: date
    cutoff: datetime
    basis: str
    provisional_years: tuple[int, ...] = ()
    origin: DeadlineOrigin = attrs.field(converter=_as_origin)

    @origin.default
    def _origin_of_basis(self) -> DeadlineOrigin:
        return _SET_BASIS.get(self.basis, DeadlineOrigin.POLICY)

    @property
    def provisional(self) -> bool:
        """True when the last day was counted through a year without a published notice."""
        return bool(self.provisional_years)

    def to_json(self) -> dict[str, Any]:
        """The payload form: ISO 8601 text, plus `provisional` and its years when it is."""
        data: dict[str, Any] = {
            "clock": self.clock,
            "start": self.start.isoformat(),
            "last_day": self.last_day.isoformat(),
            "cutoff": self.cutoff.isoformat(),
            "basis": self.basis,
        }
        if self.provisional_years:  # left out otherwise: payloads sealed before it keep their form
            data["provisional"] = True
            data["provisional_years"] = list(self.provisional_years)
        if self.origin is not _SET_BASIS.get(self.basis, DeadlineOrigin.POLICY):
            data["origin"] = self.origin.value  # only where the basis does not already say it
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DueDate:
        """Inverse of `to_json`."""
        return cls(
            clock=data["clock"],
            start=datetime.fromisoformat(data["start"]),
            last_day=date.fromisoformat(data["last_day"]),
            cutoff=datetime.fromisoformat(data["cutoff"]),
            basis=data["basis"],
            provisional_years=tuple(data.get("provisional_years", ())),
            origin=data.get("origin") or _SET_BASIS.get(data["basis"], DeadlineOrigin.POLICY),
        )


def due_dates_from_json(items: list[dict[str, Any]]) -> tuple[DueDate, ...]:
    """Rebuild a tuple of `DueDate` from a payload list."""
    return tuple(DueDate.from_json(item) for item in items)


@attrs.frozen(slots=True)
class Assignment:
    """An assignment (交办) of a problem to departments.

    `lead` is the lead department (主办) and `co_handlers` the
    co-handling departments (协办), by department code.  `session_id` is
    the reception day it was assigned at (现场交办), if any.  `deadlines`
    holds one `DueDate` per running clock; `on_the_spot` is true
    when the chair fixed a deadline at the session (现场明确解决期限).
    `round` counts assignments of this problem: 1, then 2 after a return
    and reassignment, and so on.
    """

    lead: str
    co_handlers: tuple[str, ...]
    assigned_at: datetime
    assigned_by: str
    session_id: str | None
    deadlines: tuple[DueDate, ...]
    on_the_spot: bool = False
    round: int = 1
    #: When the departments stopped holding it: a return accepted (退单), or the next assignment.
    ended_at: datetime | None = None
    #: True when it ended by a return the secretariat accepted: its time is not counted against them.
    returned: bool = False
    #: The co-handlers' replies to the lead (协办意见), in order.
    co_handling: tuple[CoHandlingReply, ...] = ()
    #: When the lead signed for it (签收); `None` before it signed, or for a signature recorded
    #: before the time of signing was kept (those are not counted in 及时签收率).
    signed_at: datetime | None = None
    #: True when it signed at or after the cutoff of its `sign` clock (签收超时).
    signed_late: bool = False

    def deadline(self, clock: str) -> DueDate | None:
        """The current deadline of `clock`, or `None` if it is not running."""
        for due in self.deadlines:
            if due.clock == clock:
                return due
        return None

    def with_deadline(self, due: DueDate) -> Assignment:
        """A copy with `due` replacing (or adding) the deadline of its clock."""
        others = tuple(d for d in self.deadlines if d.clock != due.clock)
        return attrs.evolve(self, deadlines=(*others, due))

    def involves(self, department: str) -> bool:
        """True if `department` is the lead or a co-handler."""
        return department == self.lead or department in self.co_handlers

    def awaited_co_handlers(self) -> tuple[str, ...]:
        """The co-handlers that have not replied to the lead yet (协办未反馈)."""
        replied = {reply.department for reply in self.co_handling}
        return tuple(code for code in self.co_handlers if code not in replied)


@attrs.frozen(slots=True)
class CoHandlingReply:
    """A co-handling department's reply to the lead (协办意见), due on the `co_handling` clock."""

    department: str
    replied_at: datetime
    replied_by: str
    text: str


class ReturnStatus(StrEnum):
    """Where a return (退单) stands: asked for, then accepted or refused by the secretariat (审定)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"


@attrs.frozen(slots=True)
class ReturnRequest:
    """A department's request to return an assignment (退单申请), and the secretariat's decision.

    `ground` is one of the county's grounds (退单理由: 不属于本部门职责 …),
    `reason` the department's own text.  A return recorded before returns
    were decided is `ACCEPTED` as it was made (`decided_by` `None`).
    """

    department: str
    round: int
    requested_at: datetime
    requested_by: str
    ground: str
    reason: str
    proposed_department: str | None = None
    status: ReturnStatus = ReturnStatus.REQUESTED
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str = ""


@attrs.frozen(slots=True)
class Holding:
    """The time one department held a problem (办理时段), as lead (主办) or co-handler (协办).

    `until` is `None` while it still holds it.  `counted` is false for an
    assignment that ended by an accepted return: that time is not counted
    against the department (nor the problem's delays held against it).
    """

    department: str
    lead: bool
    round: int
    since: datetime
    until: datetime | None
    counted: bool

    def days(self, as_of: datetime) -> float:
        """Days held (calendar days, to the hour's tenth) as of `as_of` for a holding still open."""
        end = self.until or as_of
        return round((end - self.since).total_seconds() / 86400, 1)


@attrs.frozen(slots=True)
class ProgressReport:
    """A progress report (落实情况) from a department."""

    department: str
    reported_at: datetime
    text: str


class ResultOutcome(StrEnum):
    """How a department's result report (办理结果) ends the problem."""

    #: 已解决
    SOLVED = "solved"
    #: 部分解决
    PARTIALLY_SOLVED = "partially_solved"
    #: 已解释说明，暂不能解决
    EXPLAINED = "explained"
    #: 长期推进: cannot be solved in the period; progress is reported periodically.
    LONG_TERM = "long_term"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the outcome."""
        return {
            ResultOutcome.SOLVED: "已解决",
            ResultOutcome.PARTIALLY_SOLVED: "部分解决",
            ResultOutcome.EXPLAINED: "已解释说明",
            ResultOutcome.LONG_TERM: "长期推进",
        }[self]


@attrs.frozen(slots=True)
class ResultReport:
    """A result report (办理结果) from the lead department."""

    department: str
    reported_at: datetime
    outcome: ResultOutcome
    text: str
    #: The co-handlers' replies the lead had when it reported (协办意见), carried with the result.
    co_handling: tuple[CoHandlingReply, ...] = ()


class Satisfaction(StrEnum):
    """How satisfied the enterprise says it is at a return visit (满意度), in five levels.

    The levels of 好差评 (国办发〔2019〕51号, GB/T 39734-2020), best first.  The
    values are English words; the Chinese names are accepted as well
    (`Satisfaction("基本满意") is Satisfaction.FAIRLY_SATISFIED`) and are
    `label_zh`.  `favourable` is false for the two levels of a 差评
    (不满意, 非常不满意); which levels close a problem is the county's choice
    (`govbiz.deadlines.DeadlinePolicy.closing_satisfaction`).

        >>> Satisfaction("满意").label_zh, Satisfaction.DISSATISFIED.favourable
        ('满意', False)
    """

    #: 非常满意
    VERY_SATISFIED = "very_satisfied"
    #: 满意
    SATISFIED = "satisfied"
    #: 基本满意
    FAIRLY_SATISFIED = "fairly_satisfied"
    #: 不满意
    DISSATISFIED = "dissatisfied"
    #: 非常不满意
    VERY_DISSATISFIED = "very_dissatisfied"

    @classmethod
    def _missing_(cls, value: object) -> Satisfaction | None:
        return _SATISFACTION_OF_LABEL.get(value) if isinstance(value, str) else None

    @property
    def label_zh(self) -> str:
        """The Chinese name of the level (非常满意 … 非常不满意)."""
        return _SATISFACTION_LABELS[self]

    @property
    def favourable(self) -> bool:
        """False for a 差评 (不满意, 非常不满意), true for the three levels above it."""
        return self not in (Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED)

    @classmethod
    def of_satisfied(cls, satisfied: bool) -> Satisfaction:
        """The level a yes/no answer stands for: 满意 for yes, 不满意 for no (older callers and events)."""
        return cls.SATISFIED if satisfied else cls.DISSATISFIED


_SATISFACTION_LABELS = {
    Satisfaction.VERY_SATISFIED: "非常满意",
    Satisfaction.SATISFIED: "满意",
    Satisfaction.FAIRLY_SATISFIED: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
    Satisfaction.VERY_DISSATISFIED: "非常不满意",
}
_SATISFACTION_OF_LABEL = {label: level for level, label in _SATISFACTION_LABELS.items()}


@attrs.frozen(slots=True)
class ReturnVisit:
    """A return visit (回访) to the enterprise after a result.

    `satisfaction` is the level the enterprise gave (five levels,
    `Satisfaction`); `satisfied` says whether that level closed the problem
    under the county's policy at the time (`False`: 重办).  A visit recorded
    before the five levels has only `satisfied`, and its level is 满意 or 不满意.
    """

    visited_at: datetime
    visited_by: str
    satisfied: bool
    notes: str
    satisfaction: Satisfaction = attrs.field()
    #: The department's appeal against this rating (申诉复核), if any.
    appeal: RatingAppeal | None = None
    #: How the verification of an unsatisfied visit ended (核实), where the county verifies.
    verification: Verification | None = None

    @satisfaction.default
    def _level_of_satisfied(self) -> Satisfaction:
        return Satisfaction.of_satisfied(self.satisfied)

    @property
    def scored(self) -> bool:
        """False once an appeal against the rating was granted: it stays in the history, not in scores."""
        return self.appeal is None or self.appeal.status is not AppealStatus.GRANTED


@attrs.frozen(slots=True)
class Verification:
    """The verification of an unsatisfied visit (差评核实): a redo, or an explanation that closes it."""

    verified_at: datetime
    verified_by: str
    redo: bool
    explanation: str


class AppealStatus(StrEnum):
    """Where an appeal against a rating stands (申诉): asked, then granted or refused by the supervisor."""

    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


@attrs.frozen(slots=True)
class RatingAppeal:
    """A department's appeal against a return visit's rating it holds unjust (申诉复核).

    For instance the enterprise wanted something the law does not allow.  The
    supervisor decides (`DECIDE_APPEAL`); a granted appeal removes the rating
    from scores (`ReturnVisit.scored`), never from the history.
    """

    department: str
    appealed_at: datetime
    appealed_by: str
    reason: str
    status: AppealStatus = AppealStatus.REQUESTED
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str = ""


class ExtensionStatus(StrEnum):
    """State of an extension request (延期申请)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


@attrs.frozen(slots=True)
class Extension:
    """An extension (延期) of one clock, requested by the lead department."""

    clock: str
    requested_at: datetime
    requested_by: str
    new_last_day: date
    reason: str
    status: ExtensionStatus = ExtensionStatus.REQUESTED
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str = ""


@attrs.frozen(slots=True)
class Suspension:
    """A suspension (中止) of the clocks, e.g. waiting on a court or the enterprise."""

    suspended_at: datetime
    suspended_by: str
    reason: str
    resumed_at: datetime | None = None

    @property
    def active(self) -> bool:
        """True until the problem is resumed."""
        return self.resumed_at is None


class ReminderKind(StrEnum):
    """催办 (a reminder) or 督办 (formal supervision)."""

    REMINDER = "reminder"
    SUPERVISION = "supervision"


@attrs.frozen(slots=True)
class Reminder:
    """A reminder (催办) or supervision notice (督办) sent about a problem."""

    kind: ReminderKind
    sent_at: datetime
    sent_by: str
    note: str
