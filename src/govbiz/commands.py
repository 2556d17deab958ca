"""Commands: what a county system asks the ledger to do (指令).

Each command is a frozen pydantic model, validated when it is built, so bad
input is refused before anything is read or written.  A command carries the
data only; who does it (the `govbiz.domain.actors.Actor`) and when
(the ledger's clock) come separately.  Pass it to
`govbiz.Ledger.handle`::

    ledger.handle(clerk, CollectProblem(enterprise_id="E00001", title="新厂五通一平",
                                        category="土地规划", source="调研走访"))

A command can also be parsed from JSON (`AssignProblem.parse(body)`), and
its JSON Schema comes from `AssignProblem.model_json_schema()`, for forms
and HTTP APIs.  Each command names what `Ledger.handle` returns for it
(`AssignProblem` is a `Command[Problem]`), so a type checker knows the
result's type.  Validation errors are `govbiz.errors.ValidationError`
naming the field and the value; text is stripped of surrounding whitespace.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Generic, Self, TypeVar

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from govbiz.domain.circular import Circular
from govbiz.domain.county_config import ConfigKept
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.handling import ReminderKind, ResultOutcome
from govbiz.domain.holiday_notice import NoticeAdded
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.problem import Problem
from govbiz.domain.session import ReceptionSession, SessionKind
from govbiz.domain.tenancy import Department, Division, DivisionLevel
from govbiz.errors import ValidationError

__all__ = [
    "COMMANDS",
    "AddHolidayNotice",
    "AssignProblem",
    "CollectProblem",
    "Command",
    "ContactIn",
    "DecideExtension",
    "KeepCountyConfig",
    "LinkLastingRule",
    "MergeProblem",
    "PlanSession",
    "PublishCircular",
    "ReassignProblem",
    "RecordLastingRule",
    "RecordReturnVisit",
    "RegisterDepartment",
    "RegisterDivision",
    "RegisterEnterprise",
    "RejectProblem",
    "ReportProgress",
    "ReportResult",
    "RequestExtension",
    "ResumeProblem",
    "ReturnAssignment",
    "ScheduleProblem",
    "SendReminder",
    "SignAssignment",
    "SuspendProblem",
    "TriageProblem",
    "WithdrawProblem",
]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
DivisionCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]


#: What `Ledger.handle` returns for a command: the changed problem or the new record.
R = TypeVar("R")


class Command(BaseModel, Generic[R]):
    """Base of every command: frozen, no unknown fields, errors as govbiz errors.

    `R` is what `Ledger.handle` returns for it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise _as_govbiz_error(exc, type(self).__name__) from None

    @classmethod
    def parse(cls, data: str | bytes | dict[str, Any]) -> Self:
        """Build the command from JSON text or a dict, with govbiz validation errors."""
        if not isinstance(data, dict):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ValidationError(cls.__name__, data, f"is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValidationError(cls.__name__, data, "must be a JSON object")
        # The constructor (not model_validate) so errors are converted exactly once.
        return cls(**data)


def _as_govbiz_error(exc: pydantic.ValidationError, command: str) -> ValidationError:
    """The first error as a `ValidationError`; all of them in `.errors`."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or command
    listed = [
        {"field": ".".join(str(p) for p in e["loc"]), "value": e.get("input"), "reason": e["msg"]}
        for e in errors
    ]
    return ValidationError(field, first.get("input"), f"{first['msg']} ({command})", errors=listed)


# --- registry ------------------------------------------------------------------------


class RegisterDivision(Command[Division]):
    """Register a city or county (行政区划) as a tenant."""

    code: DivisionCode
    name: Name
    level: DivisionLevel
    parent: DivisionCode | None = None


class RegisterDepartment(Command[Department]):
    """Register a functional department (职能部门) of a county or city."""

    code: Key
    name: Name
    county: DivisionCode
    short_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class ContactIn(BaseModel):
    """A contact person (联系人) of an enterprise, as given by the caller."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ()]{0,32}$")] = ""
    position: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class RegisterEnterprise(Command[Enterprise]):
    """Register an enterprise (企业) in a county's ledger."""

    county: DivisionCode
    name: Name
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    contacts: tuple[ContactIn, ...] = ()
    industry: Text = ""


# --- collection and triage -----------------------------------------------------------


class CollectProblem(Command[Problem]):
    """Collect a problem (收集问题) an enterprise raised into the ledger.

    `category` and `source` must be among the county profile's
    categories (土地规划, 融资 ...) and sources (调研走访, 恳谈会 ...).
    `collected_at` is when it was raised, if earlier than now.
    """

    enterprise_id: Key
    title: Title
    description: Text = ""
    category: Name
    source: Name
    collected_at: AwareDatetime | None = None


class TriageProblem(Command[Problem]):
    """Analyse and classify a collected problem (分析研判、分类汇总)."""

    problem_id: Key
    category: Name | None = None
    note: Text = ""


class RejectProblem(Command[Problem]):
    """Decline a problem that the mechanism does not take (不予受理), with the reason."""

    problem_id: Key
    reason: RequiredText


class MergeProblem(Command[Problem]):
    """Merge a duplicate problem (重复问题) into another one of the same county."""

    problem_id: Key
    into: Key


class WithdrawProblem(Command[Problem]):
    """Withdraw a problem (撤回), e.g. the enterprise no longer needs help."""

    problem_id: Key
    reason: RequiredText


# --- sessions and assignment ---------------------------------------------------------


class PlanSession(Command[ReceptionSession]):
    """Plan a reception day (接待日), round table (圆桌会议) or special session (专场)."""

    county: DivisionCode
    held_on: date
    kind: SessionKind
    chair_title: Name
    chair_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    place: Text = ""
    topic: Text = ""
    departments: tuple[Key, ...] = ()
    attendees: tuple[Name, ...] = ()


class ScheduleProblem(Command[Problem]):
    """Put a triaged problem on a session's agenda (列入接待日议程)."""

    problem_id: Key
    session_id: Key


class AssignProblem(Command[Problem]):
    """Assign a problem (交办) to a lead department and co-handling departments.

    `deadlines` maps a clock name (`"progress"`, `"result"` ...) to a
    last day the chair fixed on the spot (现场明确解决期限); clocks not named
    follow the county's deadline policy.
    """

    problem_id: Key
    lead: Key
    co_handlers: tuple[Key, ...] = ()
    session_id: Key | None = None
    deadlines: dict[Key, date] = Field(default_factory=dict)


class ReassignProblem(Command[Problem]):
    """Assign a returned problem again (重新交办), usually to the proposed department."""

    problem_id: Key
    lead: Key
    co_handlers: tuple[Key, ...] = ()
    deadlines: dict[Key, date] = Field(default_factory=dict)


class SignAssignment(Command[Problem]):
    """The lead department signs for an assignment (签收)."""

    problem_id: Key


class ReturnAssignment(Command[Problem]):
    """The lead department returns an assignment (退回): not its duty.

    Allowed only within the sign-for period; `proposed_department` is the
    department it believes should take it.
    """

    problem_id: Key
    reason: RequiredText
    proposed_department: Key | None = None


# --- handling ------------------------------------------------------------------------


class ReportProgress(Command[Problem]):
    """Report progress (报送落实情况); the first one is due within 7 working days."""

    problem_id: Key
    text: RequiredText


class ReportResult(Command[Problem]):
    """Report the result (报送办理结果); due within 30 days of the assignment."""

    problem_id: Key
    outcome: ResultOutcome
    text: RequiredText


class RequestExtension(Command[Problem]):
    """Ask for more time on one clock (申请延期), before that clock expires."""

    problem_id: Key
    clock: Key
    new_last_day: date
    reason: RequiredText


class DecideExtension(Command[Problem]):
    """Approve or refuse the pending extension request (审批延期)."""

    problem_id: Key
    approve: bool
    note: Text = ""


class SuspendProblem(Command[Problem]):
    """Suspend the clocks (中止), e.g. while waiting for a court ruling."""

    problem_id: Key
    reason: RequiredText


class ResumeProblem(Command[Problem]):
    """Resume a suspended problem (恢复办理) with the time that was left."""

    problem_id: Key
    note: Text = ""


class RecordReturnVisit(Command[Problem]):
    """Record a return visit (回访): satisfied closes, unsatisfied redoes (重办)."""

    problem_id: Key
    satisfied: bool
    notes: Text = ""


class SendReminder(Command[Problem]):
    """Send a reminder (催办) or a supervision notice (督办) about a problem."""

    problem_id: Key
    kind: ReminderKind = ReminderKind.REMINDER
    note: Text = ""


# --- lasting rules and circulars -----------------------------------------------------


class RecordLastingRule(Command[LastingRule]):
    """Record a lasting rule (长效机制): a policy document born from recurring problems."""

    county: DivisionCode
    title: Title
    issued_by: Key
    issued_on: date
    document_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    summary: Text = ""


class LinkLastingRule(Command[Problem]):
    """Link a problem to the lasting rule it led to."""

    problem_id: Key
    rule_id: Key


class PublishCircular(Command[Circular]):
    """Publish a supervision circular (督查通报) for a period."""

    county: DivisionCode
    title: Title
    period_start: date
    period_end: date
    departments: tuple[Key, ...] = ()
    problems: tuple[Key, ...] = ()
    body: Text = ""


class AddHolidayNotice(Command[NoticeAdded]):
    """Keep a State Council holiday notice in the ledger (录入放假安排通知), and re-base the clocks.

    `text` is the notice as a TOML file (see the how-to "Add next year's
    holiday notice"), exactly one `[[notice]]`; `source` names the file.
    The ledger checks it against the holiday law, stores it with the
    SHA-256 of `text` (UTF-8), and counts again every open clock that was
    counted on that year as provisional, in every county of the ledger.
    """

    # Kept byte for byte (no stripping): its SHA-256 must be that of the file.
    text: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=200_000)]
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class KeepCountyConfig(Command[ConfigKept]):
    """Keep a county configuration file in the ledger (保存区县配置文件); see `govbiz county apply`.

    `text` is the file (TOML, see the how-to "Configure a county with a
    file"), `source` names it.  The ledger validates it and keeps it under
    its first division; every `govbiz.open()` ledger then lays it over the
    plugins' profiles.  The same text as the division's latest file is a
    no-op.
    """

    # Kept byte for byte (no stripping): its SHA-256 must be that of the file.
    text: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=500_000)]
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


#: Every command class, for documentation and JSON Schema export.
COMMANDS: tuple[type[Command[Any]], ...] = (
    RegisterDivision,
    RegisterDepartment,
    RegisterEnterprise,
    CollectProblem,
    TriageProblem,
    RejectProblem,
    MergeProblem,
    WithdrawProblem,
    PlanSession,
    ScheduleProblem,
    AssignProblem,
    ReassignProblem,
    SignAssignment,
    ReturnAssignment,
    ReportProgress,
    ReportResult,
    RequestExtension,
    DecideExtension,
    SuspendProblem,
    ResumeProblem,
    RecordReturnVisit,
    SendReminder,
    RecordLastingRule,
    LinkLastingRule,
    PublishCircular,
    AddHolidayNotice,
    KeepCountyConfig,
)
