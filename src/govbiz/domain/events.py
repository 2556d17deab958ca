"""Domain events (留痕): the immutable audit trail of the ledger.

Every command that changes something produces one `DomainEvent`
recording who did what, when, and the state before and after.  A problem's
events, replayed in order, reproduce its state exactly
(`govbiz.domain.problem.replay`), so the event log *is* the record and
the stored state is a cache of it.

The payload holds only JSON values (text, numbers, booleans, lists, objects;
dates and datetimes as ISO 8601 text) so that every storage adapter can keep
it as it is, and replay never depends on code that may change later, such as
the holiday calendar: computed deadlines are stored, not recomputed.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from govbiz.domain.actors import Actor
from govbiz.domain.enterprise import mask_contact

__all__ = [
    "EVENT_FIELDS", "SCALARS", "DomainEvent", "FrozenDict", "FrozenList", "JsonValue", "freeze",
    "masked_payload", "thaw",
]  # fmt: skip

JsonValue = Any  # a value json.dumps accepts; typed per action in govbiz.domain.payloads


def _refuse(self: object, *args: object, **kwargs: object) -> None:
    raise TypeError(f"{type(self).__name__} is read-only: an event's payload cannot change once recorded")


class FrozenDict(dict[str, Any]):
    """A JSON object that refuses changes (an event's payload, sealed into the audit chain).

    A `dict` still for everything that reads it (`json.dumps`, equality, pydantic).
    """

    __slots__ = ()
    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda item: item[0])))


class FrozenList(list[Any]):
    """A JSON array that refuses changes (inside an event's payload)."""

    __slots__ = ()
    __setitem__ = __delitem__ = append = extend = insert = remove = clear = _refuse
    pop = sort = reverse = __iadd__ = __imul__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))


#: JSON scalars: kept as they are.
SCALARS = frozenset({str, int, float, bool, type(None)})


def freeze(value: Any) -> Any:
    """`value` (JSON) with every object and array read-only; already frozen parts are kept."""
    kind = type(value)  # dispatch on the exact type first: this runs for every event built
    if kind in SCALARS or kind is FrozenDict or kind is FrozenList:
        return value
    if kind is dict or isinstance(value, Mapping):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return FrozenList([freeze(item) for item in value])
    return value


def thaw(value: Any) -> Any:
    """A plain, changeable copy of frozen JSON (`freeze`'s inverse)."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value


@attrs.frozen(slots=True, repr=False)
class DomainEvent:
    """One change to one record (an event in a stream).

    `stream` names the kind of record (`"problem"`, `"enterprise"`,
    `"session"` ...) and `stream_id` the record; `version` is the
    event's position in that stream, starting at 1, and equals the record's
    version after the event.  `kind` is the action (for problems, an
    `govbiz.domain.lifecycle.Action` value).  `state_before` and
    `state_after` are lifecycle states for problems and `None` elsewhere.
    Its `repr` (what a plugin's log line or a traceback shows) masks the
    names and phone numbers of contacts in the payload.
    """

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
    payload: Mapping[str, JsonValue] = attrs.field(factory=FrozenDict, converter=freeze)
    prev_hash: str = ""
    hash: str = ""

    def fields(self) -> dict[str, Any]:
        """Every field by name (`EVENT_FIELDS`), as held: the one list records and rows are built from."""
        return dict(zip(EVENT_FIELDS, _values(self), strict=True))

    @classmethod
    def by(
        cls,
        actor: Actor,
        *,
        stream: str,
        stream_id: str,
        version: int,
        kind: str,
        county: str,
        at: datetime,
        payload: Mapping[str, JsonValue],
        state_before: str | None = None,
        state_after: str | None = None,
    ) -> DomainEvent:
        """Build an event made by `actor` (the usual way to create one)."""
        return cls(
            stream=stream,
            stream_id=stream_id,
            version=version,
            kind=kind,
            county=county,
            occurred_at=at,
            actor_id=actor.id,
            actor_role=actor.role.value,
            actor_department=actor.department,
            state_before=state_before,
            state_after=state_after,
            payload=payload,
        )

    def __repr__(self) -> str:
        shown = []
        for field in attrs.fields(DomainEvent):
            value = getattr(self, field.name)
            if field.name == "payload":
                value = masked_payload(value)
            shown.append(f"{field.name}={value!r}")
        return f"DomainEvent({', '.join(shown)})"


def masked_payload(payload: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """`payload` with the contacts it carries (an enterprise's registration) masked."""
    shown = dict(payload)
    contacts = shown.get("contacts")
    if isinstance(contacts, list | tuple):
        shown["contacts"] = [mask_contact(c) if isinstance(c, Mapping) else c for c in contacts]
    return shown


#: An event's fields, in order: declared once by the class, used by the audit's canonical
#: form (`govbiz.audit.canonical_bytes`), the records (`govbiz.records.EventRecord`) and SQL rows.
EVENT_FIELDS: tuple[str, ...] = tuple(field.name for field in attrs.fields(DomainEvent))
_values = operator.attrgetter(*EVENT_FIELDS)  # one call for all fields: the audit hash reads them per event


_last_text: list[tuple[object, str]] = [(None, "")]  # one (value, text) pair, replaced whole: thread-safe


def iso_text(moment: date) -> str:
    """``moment.isoformat()``, written once for the same object however often a command asks.

    One command writes its instant into the audit hash, the event row and the
    snapshot; with a zone, each `isoformat` asks the zone for the offset again.
    Dates and datetimes never change, so the text of the same object is the same.
    """
    last = _last_text[0]
    if last[0] is moment:
        return last[1]
    text = moment.isoformat()
    _last_text[0] = (moment, text)
    return text
