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

What a command refuses, beyond types and lengths (see the security model in
the documentation):

- titles, names and keys that hold a control character, a line break or a
  tab, a bidirectional override, or only invisible characters; texts of
  several lines (a description, a report, a reason) may hold line breaks
  and tabs but no other control character
  (`govbiz.domain.text.check_characters`);
- division and credit codes typed with full-width digits or letters are
  taken as ASCII (`４３０８００` is `430800`);
- days before 2000-01-01 or after 2099-12-31 (`govbiz.domain.dates`);
  the handlers also refuse a collection time or a circular's period after
  the command's instant;
- more than `MAX_CONTACTS` contacts, `MAX_ATTENDEES` attendees or session
  departments, `MAX_CO_HANDLERS` co-handlers, `MAX_CIRCULAR_DEPARTMENTS`
  departments or `MAX_CIRCULAR_PROBLEMS` problems in a circular;
- deadlines fixed on the spot out of order (sign-for ≤ progress ≤ result).

A contact's name and phone number are masked in the command's `repr` and
in the errors about them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Generic, Self, TypeVar

import pydantic
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from govbiz.domain.circular import Circular
from govbiz.domain.county_config import ConfigKept
from govbiz.domain.dates import check_day
from govbiz.domain.enterprise import Contact, Enterprise, mask_personal
from govbiz.domain.handling import ReminderKind, ResultOutcome, Satisfaction
from govbiz.domain.holiday_notice import NoticeAdded
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.problem import Problem
from govbiz.domain.session import ReceptionSession, SessionKind
from govbiz.domain.tenancy import Department, Division, DivisionLevel
from govbiz.domain.text import check_characters, normalise_code
from govbiz.errors import ValidationError

__all__ = [
    "COMMANDS",
    "MAX_ATTENDEES",
    "MAX_CIRCULAR_DEPARTMENTS",
    "MAX_CIRCULAR_PROBLEMS",
    "MAX_CONTACTS",
    "MAX_CO_HANDLERS",
    "AddHolidayNotice",
    "AppealRating",
    "AssignProblem",
    "AttachFile",
    "CollectProblem",
    "Command",
    "ContactIn",
    "DecideAppeal",
    "DecideExtension",
    "DecideReturn",
    "ImportedClosure",
    "KeepCountyConfig",
    "LinkLastingRule",
    "MergeProblem",
    "PlanSession",
    "PublishCircular",
    "PurgeContacts",
    "ReassignProblem",
    "RecordImportedHistory",
    "RecordLastingRule",
    "RecordReturnVisit",
    "RecordVerification",
    "RegisterDepartment",
    "RegisterDivision",
    "RegisterEnterprise",
    "RejectProblem",
    "ReportCoHandling",
    "ReportProgress",
    "ReportResult",
    "RequestExtension",
    "ResumeProblem",
    "ReturnAssignment",
    "RevealContacts",
    "RotateContactKey",
    "ScheduleProblem",
    "SendReminder",
    "SignAssignment",
    "SuspendProblem",
    "TriageProblem",
    "WithdrawProblem",
]

#: At most this many contacts per enterprise (联系人), co-handling departments per assignment (协办单位),
#: attendees and departments per session (参会), departments and problems named in a circular (通报).
MAX_CONTACTS = 20
MAX_CO_HANDLERS = 20
MAX_ATTENDEES = 100
MAX_CIRCULAR_DEPARTMENTS = 500
MAX_CIRCULAR_PROBLEMS = 10_000


def _rule(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A govbiz check as a pydantic validator: its reason becomes the message, the field its location."""

    def validate(value: Any) -> Any:
        try:
            return check(value)
        except ValidationError as exc:
            raise PydanticCustomError("govbiz", "{reason}", {"reason": exc.reason}) from None

    return validate


_ONE_LINE = AfterValidator(_rule(lambda v: check_characters("", v)))
_LINES = AfterValidator(_rule(lambda v: check_characters("", v, multiline=True)))
_DAY = AfterValidator(_rule(lambda v: check_day("", v)))
_ASCII = BeforeValidator(lambda v: normalise_code(v) if isinstance(v, str) else v)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), _ONE_LINE]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _ONE_LINE]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), _ONE_LINE]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000), _LINES]
RequiredText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000), _LINES
]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _ONE_LINE]
DivisionCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$"), _ASCII]
CreditCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), _ONE_LINE, _ASCII]
Day = Annotated[date, _DAY]
Instant = Annotated[AwareDatetime, _DAY]


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
            except UnicodeDecodeError as exc:  # bytes in no Unicode encoding JSON allows
                shown = exc.object[:40].decode("utf-8", "replace")
                raise ValidationError(cls.__name__, shown, f"is not UTF-8 text: {exc.reason}") from None
        if not isinstance(data, dict):
            raise ValidationError(cls.__name__, data, "must be a JSON object")
        # The constructor (not model_validate) so errors are converted exactly once.
        return cls(**data)


def _as_govbiz_error(
    exc: pydantic.ValidationError, command: str, *, under: tuple[str, ...] = ()
) -> ValidationError:
    """The first error as a `ValidationError`; all of them in `.errors`.

    An error a govbiz check raised keeps its own field; values under
    `contacts` (names, phone numbers) are masked.  `under` is where the
    model sits in a command (a `ContactIn` built on its own is a contact).
    """
    listed = [item for e in exc.errors(include_url=False) for item in _listed(e, under)]
    first = listed[0]
    field = ".".join(str(part) for part in exc.errors()[0]["loc"]) or command
    return ValidationError(
        first["field"] or field, first["value"], f"{first['reason']} ({command})", errors=listed
    )


def _listed(error: Mapping[str, Any], under: tuple[str, ...]) -> list[dict[str, Any]]:
    loc = ".".join(str(part) for part in error["loc"])
    own = error.get("ctx", {}).get("error")
    if isinstance(own, ValidationError):  # a govbiz check, or a nested model's converted error
        return [{**e, "field": _within(loc, e["field"])} for e in own.errors]
    value = error.get("input")
    if (*under, *error["loc"])[:1] == ("contacts",):
        value = mask_personal(str(error["loc"][-1]) if error["loc"] else "contacts", value)
    return [{"field": loc, "value": value, "reason": error["msg"]}]


def _within(loc: str, field: str) -> str:
    """`field` of an error raised at `loc` (`contacts.0` and `phone` make `contacts.0.phone`)."""
    if not loc or field == loc or field.startswith(f"{loc}."):
        return field
    return f"{loc}.{field}" if field else loc


def _fixed_deadlines_in_order(deadlines: dict[str, date]) -> dict[str, date]:
    """Days fixed on the spot keep the clocks' order: signed for, then progress, then the result."""
    named = [(clock, deadlines[clock]) for clock in ("sign", "progress", "result") if clock in deadlines]
    for (before, earlier), (clock, day) in pairwise(named):
        if day < earlier:
            raise ValidationError(
                f"deadlines.{clock}",
                day.isoformat(),
                f"is before the {before} day {earlier.isoformat()} fixed with it (sign ≤ progress ≤ result)",
            )
    return deadlines


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
    short_name: ShortName = ""


class ContactIn(BaseModel):
    """A contact person (联系人) of an enterprise, as given by the caller.

    Name and phone are personal data: masked in its `repr` and in its errors.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _ONE_LINE]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ()]{0,32}$")] = ""
    position: ShortName = ""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise _as_govbiz_error(exc, type(self).__name__, under=("contacts",)) from None

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_personal(name or "", value) if name in ("name", "phone") else value


class RegisterEnterprise(Command[Enterprise]):
    """Register an enterprise (企业) in a county's ledger (at most `MAX_CONTACTS` contacts).

    `code_as_written` registers it as 待核实, with `credit_code` empty: the
    code cell of an imported ledger as written (无, a code Excel cut short).
    """

    county: DivisionCode
    name: Name
    credit_code: CreditCode
    contacts: tuple[ContactIn, ...] = Field(default=(), max_length=MAX_CONTACTS)
    industry: Text = ""
    code_as_written: Text | None = None


class RevealContacts(Command[tuple[Contact, ...]]):
    """Show an enterprise's contacts in full (查看联系人), for `reason`; the reveal is recorded.

    Only an administrator or a collector of the enterprise's county may; each
    reveal is an event of the enterprise's stream (who, when, why), covered
    by the audit chain and `govbiz verify`.
    """

    enterprise_id: Key
    reason: Name


class PurgeContacts(Command[tuple[str, ...]]):
    """Delete the contacts of enterprises whose problems all closed before `closed_before` (PIPL Art. 19).

    An enterprise qualifies when it has problems and every one of them is in
    a final state (办结, 不予受理, 合并, 撤回) since before that day. Each purge
    is an event of the enterprise's stream; problems, events and figures
    stay as they are.  With `dry_run` nothing is written: the result names
    the enterprises that would be purged.  `county` may be a city: its
    counties' enterprises are purged too, in the same transaction.
    """

    county: DivisionCode
    closed_before: Day
    dry_run: bool = False


class RotateContactKey(Command[tuple[str, ...]]):
    """Seal every enterprise's contacts in `county` with the key ring's current key (轮换密钥).

    Contacts kept in clear (a ledger from before encryption) are sealed too;
    an administrator runs it, all enterprises (a city's: its counties' too)
    in one transaction.  Each re-sealed enterprise records a
    `contacts_rekeyed` event; the result names them.
    """

    county: DivisionCode


# --- collection and triage -----------------------------------------------------------


class CollectProblem(Command[Problem]):
    """Collect a problem (收集问题) an enterprise raised into the ledger.

    `category` and `source` must be among the county profile's
    categories (土地规划, 融资 ...) and sources (调研走访, 恳谈会 ...).
    `collected_at` is when it was raised, if earlier than now.  A problem
    imported from an earlier ledger (`govbiz import`) names the file, sheet
    and row it came from (`imported_file`, `imported_sheet`, `imported_row`):
    it then exists from `collected_at` in figures for past dates.
    """

    enterprise_id: Key
    title: Title
    description: Text = ""
    category: Name
    source: Name
    collected_at: Instant | None = None
    imported_file: Text = ""
    imported_sheet: Text = ""
    imported_row: int | None = Field(default=None, ge=1)


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
    held_on: Day
    kind: SessionKind
    chair_title: Name
    chair_name: ShortName = ""
    place: Text = ""
    topic: Text = ""
    departments: tuple[Key, ...] = Field(default=(), max_length=MAX_ATTENDEES)
    attendees: tuple[Name, ...] = Field(default=(), max_length=MAX_ATTENDEES)


class ScheduleProblem(Command[Problem]):
    """Put a triaged problem on a session's agenda (列入接待日议程)."""

    problem_id: Key
    session_id: Key


class AssignProblem(Command[Problem]):
    """Assign a problem (交办) to a lead department and co-handling departments.

    `deadlines` maps a clock name (`"progress"`, `"result"` ...) to a
    last day the chair fixed on the spot (现场明确解决期限); clocks not named
    follow the county's deadline policy.  Days fixed together keep the
    clocks' order (sign ≤ progress ≤ result).
    """

    problem_id: Key
    lead: Key
    co_handlers: tuple[Key, ...] = Field(default=(), max_length=MAX_CO_HANDLERS)
    session_id: Key | None = None
    deadlines: dict[Key, Day] = Field(default_factory=dict, max_length=20)

    _in_order = field_validator("deadlines")(_fixed_deadlines_in_order)


class ReassignProblem(Command[Problem]):
    """Assign a returned problem again (重新交办), usually to the proposed department."""

    problem_id: Key
    lead: Key
    co_handlers: tuple[Key, ...] = Field(default=(), max_length=MAX_CO_HANDLERS)
    deadlines: dict[Key, Day] = Field(default_factory=dict, max_length=20)

    _in_order = field_validator("deadlines")(_fixed_deadlines_in_order)


class SignAssignment(Command[Problem]):
    """The lead department signs for an assignment (签收)."""

    problem_id: Key


class ReturnAssignment(Command[Problem]):
    """The lead department asks to return an assignment (退单): the secretariat decides (`DecideReturn`).

    Allowed only within the sign-for period, and once per department and
    problem (the county's `returns_per_department`); `ground` is one of the
    county's grounds (`DeadlinePolicy.return_reasons`: 不属于本部门职责,
    已由其他部门办理, 诉求不明确 …; the first when omitted), `reason` the
    department's own text, `proposed_department` the department it believes
    should take it.  The clocks run on while the return waits: they run from
    the 交办.
    """

    problem_id: Key
    reason: RequiredText
    proposed_department: Key | None = None
    ground: Name | None = None


class DecideReturn(Command[Problem]):
    """The secretariat accepts or refuses a department's return (退单审定).

    Accepted, the problem awaits reassignment (`ReassignProblem`) and the
    returning department's time is not counted against it; refused, the
    assignment stands with the clocks it started.
    """

    problem_id: Key
    accept: bool
    note: Text = ""


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


class ReportCoHandling(Command[Problem]):
    """A co-handling department replies to the lead (报送协办意见), within its `co_handling` clock."""

    problem_id: Key
    text: RequiredText


class RequestExtension(Command[Problem]):
    """Ask for more time on one clock (申请延期), before that clock expires."""

    problem_id: Key
    clock: Key
    new_last_day: Day
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
    """Record a return visit (回访): a level the county takes as closing closes, any other redoes (重办).

    `satisfaction` is one of the five levels (`govbiz.domain.Satisfaction`,
    its value or its Chinese name: `"基本满意"`).  `satisfied` is the older
    yes/no form and still works: `True` is 满意, `False` is 不满意.  Given
    together they must agree (`satisfied=True` with a favourable level, 非常满意,
    满意 or 基本满意; `False` with 不满意 or 非常不满意); one of them is required.
    """

    problem_id: Key
    satisfied: bool | None = None
    satisfaction: Satisfaction | None = None
    notes: Text = ""

    @model_validator(mode="after")
    def _one_answer(self) -> Self:
        if self.satisfaction is None and self.satisfied is None:
            raise ValidationError("satisfaction", None, "give the level the enterprise chose (or satisfied)")
        level, satisfied = self.satisfaction, self.satisfied
        if level is not None and satisfied is not None and level.favourable != satisfied:
            reason = f"contradicts satisfaction {level.label_zh} ({level.value})"
            raise ValidationError("satisfied", satisfied, reason)
        return self

    @property
    def level(self) -> Satisfaction:
        """The level given, or the one `satisfied` stands for (满意 or 不满意)."""
        if self.satisfaction is not None:
            return self.satisfaction
        return Satisfaction.of_satisfied(bool(self.satisfied))


class ImportedClosure(StrEnum):
    """What a ledger's 是否办结 says of a problem: 否, 是, or 长期 (a long-term item, 长期推进)."""

    OPEN = "open"
    COMPLETED = "completed"
    LONG_TERM = "long_term"


class RecordImportedHistory(Command[Problem]):
    """The handling a county's earlier ledger records for a problem just imported (导入的办理经过).

    `govbiz import` sends it after `CollectProblem` for a row with a 交办
    date: each step becomes the problem's event, recorded now by the
    importer (a collector or the secretariat) and dated as the ledger dates
    it (`govbiz.domain.payloads.imported_from`, with the file, sheet and row):

    * 交办 on `assigned_at` to `lead` and `co_handlers` (sorted 研判 with
      it), its clocks counted by the county's policy from that instant;
    * signed for (签收) on the same instant when the ledger shows handling
      (progress, a result, 长期): it proves handling, not the day of signing;
    * `progress` (办理进度) on `progress_at`, or on the result's day when only
      a completed or long-term row dates it; an open row's undated progress
      is recorded as of now (it counts in no earlier figure);
    * `closure`: `COMPLETED` reports the result (`outcome`, `result`) on
      `completed_at`, which it needs; `LONG_TERM` reports 长期推进 then (in
      progress, not completed, in every figure); no return-visit clock starts
      (a visit years overdue on the day of the import would be a false alarm);
    * `satisfaction` (回访/满意度) of a completed row: the return visit on
      `visited_at` (else `completed_at`), closing or redoing it by the
      county's policy.

    The instants keep their order (交办 ≤ 进度 ≤ 办结 ≤ 回访) and none is after now.
    """

    problem_id: Key
    imported_file: Text
    imported_sheet: Text = ""
    imported_row: int = Field(ge=1)
    assigned_at: Instant
    lead: Key
    co_handlers: tuple[Key, ...] = Field(default=(), max_length=MAX_CO_HANDLERS)
    progress: Text = ""
    progress_at: Instant | None = None
    closure: ImportedClosure = ImportedClosure.OPEN
    outcome: ResultOutcome = ResultOutcome.SOLVED
    result: Text = ""
    completed_at: Instant | None = None
    satisfaction: Satisfaction | None = None
    visited_at: Instant | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.closure is not ImportedClosure.OPEN and self.completed_at is None:
            reason = f"a {self.closure.value} row needs its day (办结时间)"
            raise ValidationError("completed_at", None, reason)
        if self.outcome is ResultOutcome.LONG_TERM:
            raise ValidationError("outcome", self.outcome.value, "长期 is a closure (closure=long_term)")
        if self.satisfaction is not None and self.closure is not ImportedClosure.COMPLETED:
            raise ValidationError("satisfaction", self.satisfaction.value, "only a completed row has a visit")
        named = [("assigned_at", self.assigned_at), ("progress_at", self.progress_at),
                 ("completed_at", self.completed_at), ("visited_at", self.visited_at)]  # fmt: skip
        dated = [(name, at) for name, at in named if at is not None]
        for (before, earlier), (name, at) in pairwise(dated):
            if at < earlier:
                raise ValidationError(name, at.isoformat(), f"is before {before} {earlier.isoformat()}")
        return self


class RecordVerification(Command[Problem]):
    """End the verification of an unsatisfied visit (差评核实): `redo`, or close with the `explanation`.

    Only where the county verifies (its `verification` clock is on); the
    explanation is recorded either way (why the redo, or why the rating does
    not call for one).
    """

    problem_id: Key
    redo: bool
    explanation: RequiredText


class AppealRating(Command[Problem]):
    """The lead department contests the latest rating as unjust (申诉复核).

    For instance the enterprise wanted something unlawful.  Within the county's
    `appeal_working_days` (default 5) after the visit, once per rating.
    """

    problem_id: Key
    reason: RequiredText


class DecideAppeal(Command[Problem]):
    """The supervisor grants or refuses an appeal (复核); granted, the rating leaves the scores.

    The rating itself stays in the problem's history.
    """

    problem_id: Key
    grant: bool
    note: Text = ""


class SendReminder(Command[Problem]):
    """Send a reminder (催办) or a supervision notice (督办) about a problem."""

    problem_id: Key
    kind: ReminderKind = ReminderKind.REMINDER
    note: Text = ""


# --- lasting rules and circulars -----------------------------------------------------


def _file_name(name: str) -> str:
    """A file's own name: no folder (`/`, `\\`), not `.` or `..`."""
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError("file_name", name, "is a file's name, without folders")
    return name


class AttachFile(Command[Problem]):
    """Record a file attached to a problem (上传附件): a scan of a signed document, with a report.

    The bytes must be kept already, under `sha256`, in the ledger's
    attachment store: `govbiz.attachments.attach_file` checks the file's
    size and type, stores the bytes, then runs this command.  The ledger
    refuses it when the store holds no file of that hash and size.
    """

    problem_id: Key
    file_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _ONE_LINE,
        AfterValidator(_rule(_file_name)),
    ]  # fmt: skip
    media_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)]
    size: int = Field(ge=1)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    note: Text = ""


class RecordLastingRule(Command[LastingRule]):
    """Record a lasting rule (长效机制): a policy document born from recurring problems."""

    county: DivisionCode
    title: Title
    issued_by: Key
    issued_on: Day
    document_number: ShortName = ""
    summary: Text = ""


class LinkLastingRule(Command[Problem]):
    """Link a problem to the lasting rule it led to."""

    problem_id: Key
    rule_id: Key


class PublishCircular(Command[Circular]):
    """Publish a supervision circular (督查通报) for a period, naming problems of its own county only."""

    county: DivisionCode
    title: Title
    period_start: Day
    period_end: Day
    departments: tuple[Key, ...] = Field(default=(), max_length=MAX_CIRCULAR_DEPARTMENTS)
    problems: tuple[Key, ...] = Field(default=(), max_length=MAX_CIRCULAR_PROBLEMS)
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
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), _ONE_LINE] = ""


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
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), _ONE_LINE] = ""


#: Every command class, for documentation and JSON Schema export.
COMMANDS: tuple[type[Command[Any]], ...] = (
    RegisterDivision,
    RegisterDepartment,
    RegisterEnterprise,
    RevealContacts,
    PurgeContacts,
    RotateContactKey,
    CollectProblem,
    RecordImportedHistory,
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
    DecideReturn,
    ReportProgress,
    ReportCoHandling,
    ReportResult,
    RequestExtension,
    DecideExtension,
    SuspendProblem,
    ResumeProblem,
    RecordReturnVisit,
    RecordVerification,
    AppealRating,
    DecideAppeal,
    SendReminder,
    AttachFile,
    RecordLastingRule,
    LinkLastingRule,
    PublishCircular,
    AddHolidayNotice,
    KeepCountyConfig,
)
