"""Records: the serialised form of ledger data (JSON, JSON Schema, exports).

Inside the library, problems and registry entries are immutable attrs
objects (`govbiz.domain`); queries return them as they are, because
they are cheap and safe to share.  When data leaves the process (an HTTP
response, a JSON file, a spreadsheet), convert it with `to_record`
into these pydantic models: they serialise with `model_dump(mode="json")`
and describe themselves with `model_json_schema()`.

Personal data (contact names and phone numbers, 个人信息) is masked in
records unless the caller passes `reveal_personal_data=True`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from govbiz.domain.enterprise import Enterprise, mask_name, mask_phone
from govbiz.domain.events import DomainEvent, thaw
from govbiz.domain.handling import ExtensionStatus, ReminderKind, ResultOutcome, ReturnStatus, Satisfaction
from govbiz.domain.lifecycle import ProblemState
from govbiz.domain.problem import Problem

__all__ = [
    "AssignmentRecord",
    "CoHandlingReplyRecord",
    "ContactRecord",
    "DueDateRecord",
    "EnterpriseRecord",
    "EventRecord",
    "HoldingRecord",
    "ProblemRecord",
    "ReturnRequestRecord",
    "to_record",
]


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class DueDateRecord(_Record):
    """A deadline of one clock (期限): last day, cutoff and basis.

    `provisional` is true when the counting went through a year without a
    State Council notice (`provisional_years`), whose rest days follow the
    holiday law until the notice is added (暂按法定节假日推算).
    """

    clock: str
    start: datetime
    last_day: date
    cutoff: datetime
    basis: str
    provisional: bool = False
    provisional_years: tuple[int, ...] = ()


class CoHandlingReplyRecord(_Record):
    """A co-handling department's reply to the lead (协办意见)."""

    department: str
    replied_at: datetime
    replied_by: str
    text: str


class ReturnRequestRecord(_Record):
    """A return (退单) asked for by a department, and the secretariat's decision (审定)."""

    department: str
    round: int
    requested_at: datetime
    requested_by: str
    ground: str
    reason: str
    proposed_department: str | None
    status: ReturnStatus
    decided_at: datetime | None
    decided_by: str | None
    note: str


class HoldingRecord(_Record):
    """The time one department held the problem (办理时段); `counted` false after an accepted return."""

    department: str
    lead: bool
    round: int
    since: datetime
    until: datetime | None
    counted: bool


class AssignmentRecord(_Record):
    """An assignment (交办): lead (主办) and co-handling (协办) departments and deadlines."""

    lead: str
    co_handlers: tuple[str, ...]
    assigned_at: datetime
    assigned_by: str
    session_id: str | None
    deadlines: tuple[DueDateRecord, ...]
    on_the_spot: bool
    round: int
    ended_at: datetime | None = None
    returned: bool = False
    co_handling: tuple[CoHandlingReplyRecord, ...] = ()
    signed_at: datetime | None = None
    signed_late: bool = False


class ProgressReportRecord(_Record):
    """A progress report (落实情况)."""

    department: str
    reported_at: datetime
    text: str


class ResultReportRecord(_Record):
    """A result report (办理结果)."""

    department: str
    reported_at: datetime
    outcome: ResultOutcome
    text: str
    co_handling: tuple[CoHandlingReplyRecord, ...] = ()


class ReturnVisitRecord(_Record):
    """A return visit (回访): the level given (`satisfaction`) and whether it closed the problem."""

    visited_at: datetime
    visited_by: str
    satisfied: bool
    notes: str
    satisfaction: Satisfaction


class ExtensionRecord(_Record):
    """An extension request and its decision (延期)."""

    clock: str
    requested_at: datetime
    requested_by: str
    new_last_day: date
    reason: str
    status: ExtensionStatus
    decided_at: datetime | None
    decided_by: str | None
    note: str


class SuspensionRecord(_Record):
    """A suspension of the clocks (中止)."""

    suspended_at: datetime
    suspended_by: str
    reason: str
    resumed_at: datetime | None


class ReminderRecord(_Record):
    """A reminder (催办) or supervision notice (督办)."""

    kind: ReminderKind
    sent_at: datetime
    sent_by: str
    note: str


class ProblemRecord(_Record):
    """A problem (问题) with its whole handling, as JSON."""

    id: str
    county: str
    enterprise_id: str
    title: str
    description: str
    category: str
    source: str
    collected_by: str
    collected_at: datetime
    state: ProblemState
    version: int
    session_id: str | None
    assignment: AssignmentRecord | None
    previous_assignments: tuple[AssignmentRecord, ...]
    progress: tuple[ProgressReportRecord, ...]
    result: ResultReportRecord | None
    return_visits: tuple[ReturnVisitRecord, ...]
    extensions: tuple[ExtensionRecord, ...]
    suspensions: tuple[SuspensionRecord, ...]
    reminders: tuple[ReminderRecord, ...]
    duplicate_of: str | None
    lasting_rules: tuple[str, ...]
    redo_count: int
    note: str
    updated_at: datetime | None
    last_hash: str
    #: The returns asked for (退单) and who held the problem when (办理时段).
    returns: tuple[ReturnRequestRecord, ...] = ()
    holdings: tuple[HoldingRecord, ...] = ()


class ContactRecord(_Record):
    """An enterprise contact (联系人); masked unless revealed."""

    name: str
    phone: str
    position: str


class EnterpriseRecord(_Record):
    """An enterprise (企业) with its contacts."""

    id: str
    county: str
    name: str
    credit_code: str
    contacts: tuple[ContactRecord, ...]
    industry: str
    code_as_written: str | None = None


class EventRecord(_Record):
    """A domain event (留痕) as JSON; contact details in its data are masked unless revealed."""

    stream: str
    stream_id: str
    version: int
    kind: str
    county: str
    occurred_at: datetime
    actor_id: str
    actor_role: str
    actor_department: str | None
    state_before: str | None
    state_after: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def to_record(
    obj: Problem | Enterprise | DomainEvent, *, reveal_personal_data: bool = False
) -> ProblemRecord | EnterpriseRecord | EventRecord:
    """Convert a domain object to its record, masking personal data unless revealed."""
    if isinstance(obj, Problem):
        return ProblemRecord.model_validate(obj)
    if isinstance(obj, Enterprise):
        contacts = [c.revealed() if reveal_personal_data else c.masked() for c in obj.contacts]
        return EnterpriseRecord(
            id=obj.id,
            county=obj.county,
            name=obj.name,
            credit_code=obj.credit_code,
            contacts=tuple(ContactRecord(**c) for c in contacts),
            industry=obj.industry,
            code_as_written=obj.code_as_written,
        )
    payload = thaw(obj.payload)  # a plain copy: records leave the process
    if not reveal_personal_data and isinstance(payload.get("contacts"), list):
        payload["contacts"] = [_masked_contact(c) for c in payload["contacts"]]
    return EventRecord(**{**obj.fields(), "payload": payload})


def _masked_contact(contact: dict[str, Any]) -> dict[str, Any]:
    return {
        **contact,
        "name": mask_name(str(contact.get("name", ""))),
        "phone": mask_phone(str(contact.get("phone", ""))),
    }
