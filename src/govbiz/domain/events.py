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

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from govbiz.domain.actors import Actor
from govbiz.domain.enterprise import mask_contact

__all__ = ["DomainEvent", "JsonValue", "masked_payload"]

JsonValue = Any  # a value json.dumps accepts; kept loose because payloads are per kind


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
    payload: Mapping[str, JsonValue] = attrs.field(factory=dict)
    prev_hash: str = ""
    hash: str = ""

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
            payload=dict(payload),
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
