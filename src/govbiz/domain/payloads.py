"""What each problem event says (事件内容): one frozen class per action.

An event stores its payload as JSON (`DomainEvent.payload`): that is what
the audit hash covers and what every storage adapter keeps.  The classes
here are the typed view of that JSON, declared once per action: the
handlers build them, the domain's guards and appliers read them, and
`to_json`/`from_json` convert between the two.  `payload_of(event)` reads
any problem event's payload.

`to_json` gives exactly the form events have always been stored in: a
field marked `omitted_when_none` is left out when it holds nothing (a
result reported as long-term starts no return-visit clock and has no
`deadlines` key), so older events and new ones look alike.  `from_json`
accepts what older releases stored (keys missing take their defaults).

    >>> from govbiz.domain.payloads import Merged
    >>> Merged.from_json({"into": "430800-2025-0001"})
    Merged(into='430800-2025-0001')
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

import attrs

from govbiz.domain.events import SCALARS, DomainEvent, FrozenDict, FrozenList, JsonValue, freeze
from govbiz.domain.handling import DueDate, ReminderKind, ResultOutcome, Satisfaction
from govbiz.domain.lifecycle import Action

__all__ = [
    "PAYLOADS",
    "AppealDecided",
    "Assigned",
    "CoHandlingReported",
    "Collected",
    "DeadlinesRebased",
    "ExtensionDecided",
    "ExtensionRequested",
    "FileAttached",
    "LinkedRule",
    "Merged",
    "Noted",
    "Payload",
    "ProgressReported",
    "RatingAppealed",
    "Reminded",
    "ResultReported",
    "Resumed",
    "ReturnDecided",
    "ReturnVisited",
    "Returned",
    "Scheduled",
    "Signed",
    "Triaged",
    "Verified",
    "effective_at",
    "imported_from",
    "payload_of",
]

P = TypeVar("P", bound="Payload")

#: Field metadata: leave the key out of the JSON when the value is `None`.
OMITTED_WHEN_NONE = {"omitted_when_none": True}


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _instant(value: datetime | str | None) -> datetime | None:
    return value if value is None or isinstance(value, datetime) else datetime.fromisoformat(value)


def _due_dates(items: Iterable[DueDate | Mapping[str, Any]]) -> tuple[DueDate, ...]:
    return tuple(d if isinstance(d, DueDate) else DueDate.from_json(d) for d in items)


def _due_dates_or_none(items: Iterable[DueDate | Mapping[str, Any]] | None) -> tuple[DueDate, ...] | None:
    return None if items is None else _due_dates(items)


def _outcome(value: ResultOutcome | str) -> ResultOutcome:
    return value if type(value) is ResultOutcome else ResultOutcome(value)  # the enum call is slow


def _satisfaction_or_none(value: Satisfaction | str | None) -> Satisfaction | None:
    return value if value is None or type(value) is Satisfaction else Satisfaction(value)


def _reminder_kind(value: ReminderKind | str) -> ReminderKind:
    return value if type(value) is ReminderKind else ReminderKind(value)


def _codes(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


def _frozen_items(items: Iterable[Mapping[str, JsonValue]]) -> tuple[Mapping[str, JsonValue], ...]:
    return tuple(freeze(item) for item in items)


def _json(value: Any) -> JsonValue:
    kind = type(value)
    if kind is str or kind is bool or value is None or kind is int:
        return value
    if kind is tuple:
        return FrozenList([_json(item) for item in value])
    if kind is DueDate:
        return freeze(value.to_json())
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, ResultOutcome | ReminderKind | Satisfaction):
        return value.value
    return value


class Payload:
    """A problem event's payload, typed; subclasses are frozen attrs classes."""

    __slots__ = ()

    #: The actions whose events carry this payload.
    actions: ClassVar[tuple[Action, ...]] = ()

    def to_json(self) -> dict[str, JsonValue]:
        """The JSON form stored in the event (and covered by its hash), already read-only."""
        data: dict[str, JsonValue] = {}
        layout = _layout(type(self))
        for (name, omitted_when_none), value in zip(layout.fields, layout.values(self), strict=True):
            if type(value) in SCALARS:  # most fields: no conversion, no call
                if value is None and omitted_when_none:
                    continue
                data[name] = value
            else:
                data[name] = _json(value)
        return FrozenDict(data)

    @classmethod
    def from_json(cls: type[P], data: Mapping[str, Any]) -> P:
        """The typed payload of stored JSON; missing keys take their defaults."""
        names = _layout(cls).names
        return cls(**{key: value for key, value in data.items() if key in names})

    @classmethod
    def field_names(cls) -> frozenset[str]:
        """The payload's keys."""
        return _layout(cls).names


@attrs.frozen(slots=True)
class _Layout:
    """A payload class's fields, read once per class: `to_json` runs for every event recorded."""

    #: Each field's name and whether it is left out when `None`.
    fields: tuple[tuple[str, bool], ...]
    names: frozenset[str]
    #: All the fields' values of an instance, as a tuple, in one call.
    values: Callable[[Any], tuple[Any, ...]]


_LAYOUTS: dict[type[Payload], _Layout] = {}


def _layout(cls: type[Payload]) -> _Layout:
    layout = _LAYOUTS.get(cls)
    if layout is None:
        declared = attrs.fields(cls)  # type: ignore[arg-type]
        fields = tuple((f.name, bool(f.metadata.get("omitted_when_none"))) for f in declared)
        names = tuple(name for name, _ in fields)
        get = operator.attrgetter(*names) if names else (lambda _: ())
        values = get if len(names) != 1 else (lambda obj: (get(obj),))
        layout = _LAYOUTS[cls] = _Layout(fields, frozenset(names), values)
    return layout


def imported_from(file: str, sheet: str, row: int, at: datetime) -> Mapping[str, JsonValue]:
    """Where an imported step of a problem's history was read, and when it happened (导入的办理经过).

    A step brought in from a county's earlier ledger (`govbiz import`) is
    recorded now, by the importer, and says so in its payload's `imported`
    key: the file, the sheet and the row it was read from, and `at`, the
    instant the ledger gives for it (the 交办 or 办结 day).  It counts from
    `at` in figures (`effective_at`).
    """
    marked: Mapping[str, JsonValue] = freeze({"file": file, "sheet": sheet, "row": row, "at": at.isoformat()})
    return marked


def _imported_at(payload: Mapping[str, JsonValue]) -> datetime | None:
    imported = payload.get("imported")
    if isinstance(imported, Mapping):
        at = imported.get("at")
        if isinstance(at, str):
            return datetime.fromisoformat(at)
    if payload.get("imported_file"):  # a problem's collection read from a ledger
        collected = payload.get("collected_at")
        if isinstance(collected, str):
            return datetime.fromisoformat(collected)
    return None


def effective_at(event: DomainEvent) -> datetime:
    """When an event counts from in figures: when it occurred, or for an imported step when it happened.

    A problem brought in from a county's earlier ledger (`govbiz import`) was
    collected then, not on the day of the import, and so were its 交办 and
    办结 when the ledger gives them: a 2023 ledger imported in 2026 gives its
    2023 figures as of 2023-12-31.  Such an event names its file
    (`imported_file` of a collection, `imported` of a later step).
    """
    payload = event.payload
    if "imported" in payload or "imported_file" in payload:
        when = _imported_at(payload)
        if when is not None and when.tzinfo is not None and when < event.occurred_at:
            return when
    return event.occurred_at


def _imported() -> Any:
    return attrs.field(
        default=None, converter=lambda v: None if v is None else freeze(v), metadata=OMITTED_WHEN_NONE
    )


@attrs.frozen(slots=True)
class Signed(Payload):
    """A department signs for an assignment (签收), and whether it signed after the sign-for cutoff.

    `late` is true when it signed at or after the cutoff of the `sign`
    clock (the clock runs from 交办: a return asked for and refused does not
    move it).  Signatures recorded before the time of signing was kept have
    no `late` key; they fold as they did then (`Assignment.signed_at` stays
    `None`), so the snapshots stored by that release still equal the replay.
    `imported` (`imported_from`) marks a signing the import of a ledger records.
    """

    actions: ClassVar[tuple[Action, ...]] = (Action.SIGN,)

    late: bool | None = attrs.field(default=None, metadata=OMITTED_WHEN_NONE)
    imported: Mapping[str, JsonValue] | None = _imported()


#: The name the payload of a signature had before it said whether it was late.
Empty = Signed


@attrs.frozen(slots=True)
class Collected(Payload):
    """A problem entered in the ledger (收集): the enterprise's words and when they were heard.

    A problem imported from an earlier ledger names where it came from
    (`imported_file`, `imported_sheet`, `imported_row`); it existed from its
    `collected_at`, before govbiz (see `govbiz.metrics.asof.effective_at`).
    """

    actions: ClassVar[tuple[Action, ...]] = (Action.COLLECT,)

    enterprise_id: str
    title: str
    category: str
    source: str
    description: str = ""
    collected_at: datetime | None = attrs.field(default=None, converter=_instant)
    imported_file: str = ""
    imported_sheet: str = ""
    imported_row: int | None = None


@attrs.frozen(slots=True)
class Triaged(Payload):
    """Sorted (分类研判): perhaps a new category, and the collector's note."""

    actions: ClassVar[tuple[Action, ...]] = (Action.TRIAGE,)

    category: str | None = None
    note: str = ""
    imported: Mapping[str, JsonValue] | None = _imported()


@attrs.frozen(slots=True)
class Noted(Payload):
    """Rejected (不予受理), withdrawn (撤回) or suspended (中止), for a reason."""

    actions: ClassVar[tuple[Action, ...]] = (Action.REJECT, Action.WITHDRAW, Action.SUSPEND)

    reason: str = ""


@attrs.frozen(slots=True)
class Merged(Payload):
    """Merged into another problem of the county (合并)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.MERGE,)

    into: str


@attrs.frozen(slots=True)
class Scheduled(Payload):
    """Put on a reception day's agenda (列入议程)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.SCHEDULE,)

    session_id: str


@attrs.frozen(slots=True)
class Assigned(Payload):
    """Assigned (交办) or reassigned (改派): the departments and the clocks started."""

    actions: ClassVar[tuple[Action, ...]] = (Action.ASSIGN, Action.REASSIGN)

    lead: str
    deadlines: tuple[DueDate, ...] = attrs.field(converter=_due_dates)
    co_handlers: tuple[str, ...] = attrs.field(default=(), converter=_codes)
    on_the_spot: bool = False
    session_id: str | None = None
    imported: Mapping[str, JsonValue] | None = _imported()


@attrs.frozen(slots=True)
class Returned(Payload):
    """Returned by the department (退回, 退单), perhaps naming the department it should go to.

    Since returns are decided by the secretariat the event asks for the return
    (state `return_requested`); an older one returned the problem outright.
    """

    actions: ClassVar[tuple[Action, ...]] = (Action.RETURN,)

    reason: str = ""
    proposed_department: str | None = None
    #: The county's ground for it (退单理由); left out of returns recorded before there were grounds.
    ground: str | None = attrs.field(default=None, metadata=OMITTED_WHEN_NONE)


@attrs.frozen(slots=True)
class ReturnDecided(Payload):
    """The secretariat's decision on a return (退单审定): accepted, or refused with the clocks as they run."""

    actions: ClassVar[tuple[Action, ...]] = (Action.DECIDE_RETURN,)

    accepted: bool
    note: str = ""


@attrs.frozen(slots=True)
class Verified(Payload):
    """An unsatisfied visit verified (核实): a redo on fresh clocks (`deadlines`), or an explanation."""

    actions: ClassVar[tuple[Action, ...]] = (Action.VERIFY,)

    redo: bool
    explanation: str
    deadlines: tuple[DueDate, ...] | None = attrs.field(
        default=None, converter=_due_dates_or_none, metadata=OMITTED_WHEN_NONE
    )


@attrs.frozen(slots=True)
class RatingAppealed(Payload):
    """The lead department contests the latest rating (申诉复核), with its reason."""

    actions: ClassVar[tuple[Action, ...]] = (Action.APPEAL_RATING,)

    reason: str


@attrs.frozen(slots=True)
class AppealDecided(Payload):
    """The supervisor's decision on the appeal: granted, the rating leaves the scores."""

    actions: ClassVar[tuple[Action, ...]] = (Action.DECIDE_APPEAL,)

    granted: bool
    note: str = ""


@attrs.frozen(slots=True)
class CoHandlingReported(Payload):
    """A co-handling department's reply to the lead (报送协办意见)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.REPORT_CO_HANDLING,)

    text: str


@attrs.frozen(slots=True)
class ProgressReported(Payload):
    """Progress reported by the lead department (报送落实情况)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.REPORT_PROGRESS,)

    text: str
    imported: Mapping[str, JsonValue] | None = _imported()


@attrs.frozen(slots=True)
class ResultReported(Payload):
    """Result reported (报送办理结果); a final one starts the return-visit clock (`deadlines`)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.REPORT_RESULT,)

    outcome: ResultOutcome = attrs.field(converter=_outcome)
    text: str
    deadlines: tuple[DueDate, ...] | None = attrs.field(
        default=None, converter=_due_dates_or_none, metadata=OMITTED_WHEN_NONE
    )
    imported: Mapping[str, JsonValue] | None = _imported()


@attrs.frozen(slots=True)
class ExtensionRequested(Payload):
    """A later last day asked for on one clock (申请延期)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.REQUEST_EXTENSION,)

    clock: str
    new_last_day: date = attrs.field(converter=_day)
    reason: str = ""


@attrs.frozen(slots=True)
class ExtensionDecided(Payload):
    """The pending extension approved or refused (延期审批); approved, the clock's new deadline."""

    actions: ClassVar[tuple[Action, ...]] = (Action.DECIDE_EXTENSION,)

    approved: bool
    note: str = ""
    deadlines: tuple[DueDate, ...] | None = attrs.field(
        default=None, converter=_due_dates_or_none, metadata=OMITTED_WHEN_NONE
    )


@attrs.frozen(slots=True)
class Resumed(Payload):
    """Handling resumed after a suspension (恢复办理): the running clocks, moved on."""

    actions: ClassVar[tuple[Action, ...]] = (Action.RESUME,)

    note: str = ""
    deadlines: tuple[DueDate, ...] | None = attrs.field(
        default=None, converter=_due_dates_or_none, metadata=OMITTED_WHEN_NONE
    )


@attrs.frozen(slots=True)
class ReturnVisited(Payload):
    """The enterprise asked again (回访); unsatisfied, the redo's fresh clocks (重办).

    `satisfied` is whether the visit closed the problem (the county's policy
    decided it from `satisfaction`, the level given).
    """

    actions: ClassVar[tuple[Action, ...]] = (Action.RETURN_VISIT,)

    satisfied: bool
    notes: str = ""
    deadlines: tuple[DueDate, ...] | None = attrs.field(
        default=None, converter=_due_dates_or_none, metadata=OMITTED_WHEN_NONE
    )
    #: The level the enterprise gave (five levels); left out of visits recorded before there were five,
    #: whose `satisfied` alone stands for 满意 or 不满意, so their sealed payloads keep their form.
    satisfaction: Satisfaction | None = attrs.field(
        default=None, converter=_satisfaction_or_none, metadata=OMITTED_WHEN_NONE
    )
    imported: Mapping[str, JsonValue] | None = _imported()


@attrs.frozen(slots=True)
class Reminded(Payload):
    """A reminder kept in the problem's history (提醒、催办、督办)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.REMIND,)

    kind: ReminderKind = attrs.field(default=ReminderKind.REMINDER, converter=_reminder_kind)
    note: str = ""


@attrs.frozen(slots=True)
class LinkedRule(Payload):
    """The problem led to a lasting rule (长效机制)."""

    actions: ClassVar[tuple[Action, ...]] = (Action.LINK_LASTING_RULE,)

    rule_id: str


@attrs.frozen(slots=True)
class DeadlinesRebased(Payload):
    """Open clocks counted again on a holiday notice added to the ledger (按放假安排复核期限).

    `notice` names it (number, year, key); `changes` holds each clock's old,
    new and official last day; `moved` is true when any last day moved.
    """

    actions: ClassVar[tuple[Action, ...]] = (Action.REBASE_DEADLINES,)

    notice: Mapping[str, JsonValue] = attrs.field(converter=freeze)
    deadlines: tuple[DueDate, ...] = attrs.field(converter=_due_dates)
    changes: tuple[Mapping[str, JsonValue], ...] = attrs.field(converter=_frozen_items)
    moved: bool = False


@attrs.frozen(slots=True)
class FileAttached(Payload):
    """A file attached (上传附件): its name, media type, size and SHA-256; the bytes are kept apart."""

    actions: ClassVar[tuple[Action, ...]] = (Action.ATTACH,)

    file_name: str
    media_type: str
    size: int
    sha256: str
    note: str = ""


#: The payload class of each problem action.
_CLASSES: tuple[type[Payload], ...] = (
    Signed, Collected, Triaged, Noted, Merged, Scheduled, Assigned, Returned, ProgressReported,
    ResultReported, ExtensionRequested, ExtensionDecided, Resumed, ReturnVisited, Reminded,
    LinkedRule, DeadlinesRebased, ReturnDecided, CoHandlingReported, RatingAppealed, AppealDecided,
    Verified, FileAttached,
)  # fmt: skip
PAYLOADS: dict[Action, type[Payload]] = {action: cls for cls in _CLASSES for action in cls.actions}


def payload_of(event: DomainEvent) -> Payload:
    """The typed payload of a problem event."""
    return PAYLOADS[Action(event.kind)].from_json(event.payload)
