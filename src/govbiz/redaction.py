"""Contacts redacted from events sealed before contacts were kept at rest (历史事件联系人脱敏).

A ledger written before contacts were sealed (`govbiz.handlers.contacts`)
holds enterprise contacts in clear in its registration events.
`govbiz contacts rotate-key` seals the records, but an event is sealed in
the audit chain: removing its contacts changes the bytes its hash covers,
and `govbiz verify` would report it edited, exactly as it reports an
insider's rewrite.

So a redaction is vouched for by the one thing an insider cannot forge: a
checkpoint signed with the key the database never holds
(`govbiz.checkpoint`).  `redact_contacts`:

1. finds every registration event still holding contacts in clear, and
   refuses while the enterprise's record is not sealed or purged (its
   event would otherwise be the only copy);
2. makes each event's redacted copy: the payload without the contacts,
   with their count, and the original hash, so the chain and every
   checkpoint still link through it;
3. signs and stores a checkpoint listing each `Redaction` (the event, its
   hash, the digest of its redacted content), *before* any event changes:
   a failure after it leaves an unused redaction, never an event no
   checkpoint vouches for;
4. swaps the events for their copies in one transaction (`Store.redact_events`).

`govbiz verify` then accepts an event whose content is the one a valid
checkpoint vouched for, under the hash it names; without a public key the
redactions are taken on trust, like the rest of an unanchored trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from govbiz.audit import redacted_digest
from govbiz.checkpoint import make_checkpoint
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.errors import ValidationError
from govbiz.ports.checkpoints import Redaction, SignedCheckpoint
from govbiz.ports.signer import Signer
from govbiz.ports.storage import RecordKind, Store

__all__ = ["RedactionPlan", "plan_contact_redactions", "redact_contacts"]

#: The event that registered an enterprise: before contacts were sealed, it held them in clear.
REGISTERED = f"{RecordKind.ENTERPRISE.value}_registered"


@attrs.frozen(slots=True)
class RedactionPlan:
    """An event to redact: as stored, and as it will be stored (same hash), with its `Redaction`."""

    original: DomainEvent
    redacted: DomainEvent

    @property
    def redaction(self) -> Redaction:
        """What the checkpoint vouches for."""
        event = self.redacted
        return Redaction(event.stream, event.stream_id, event.version, event.hash, redacted_digest(event))


def plan_contact_redactions(store: Store, counties: Iterable[str] | None = None) -> list[RedactionPlan]:
    """Every registration event that still holds contacts in clear (in `counties`, if given).

    Raises `govbiz.errors.ValidationError` naming the enterprises whose
    records still hold their contacts in clear: seal them first.
    """
    wanted = None if counties is None else frozenset(counties)
    plans: list[RedactionPlan] = []
    unsealed: list[str] = []
    with store.unit_of_work() as uow:
        for event in uow.events(RecordKind.ENTERPRISE.value):
            if event.kind != REGISTERED or not event.payload.get("contacts"):
                continue
            if wanted is not None and event.county not in wanted:
                continue
            record = uow.get_record(RecordKind.ENTERPRISE, event.stream_id)
            if isinstance(record, Enterprise) and record.contacts:
                unsealed.append(event.stream_id)
            plans.append(RedactionPlan(event, _without_contacts(event)))
    if unsealed:
        raise ValidationError(
            "enterprise",
            ", ".join(unsealed[:5]) + (" …" if len(unsealed) > 5 else ""),
            f"{len(unsealed)} records still hold their contacts in clear: seal them first "
            "(govbiz contacts rotate-key --county CODE, with a key ring): no event may be their only copy",
        )
    return plans


def redact_contacts(
    store: Store, signer: Signer, now: datetime, plans: list[RedactionPlan]
) -> SignedCheckpoint | None:
    """Vouch for `plans` in a signed checkpoint, then redact their events; the checkpoint (or `None`)."""
    if not plans:
        return None
    with store.unit_of_work() as uow:
        events = uow.events()
    signed = make_checkpoint(events, store.checkpoints(), signer, now, [p.redaction for p in plans])
    store.redact_events([plan.redacted for plan in plans])
    return signed


def _without_contacts(event: DomainEvent) -> DomainEvent:
    """`event` with its payload's contacts replaced by their count, as a sealed registration records."""
    payload = {key: value for key, value in event.payload.items() if key != "contacts"}
    contacts = event.payload["contacts"]
    payload["contact_count"] = len(contacts) if isinstance(contacts, (list, tuple)) else 0
    return attrs.evolve(event, payload=payload)
