"""Enterprise contacts as personal data (个人信息): sealed at rest, revealed on record, purged in time.

* A registration stores the contacts sealed with the key ring's current key
  (`govbiz.contact_keys`) and puts only their digest (`contacts_seal`) into
  its event, so the audit chain never holds them (`stored_enterprise`).
* `RevealContacts` is the one way to read them in clear: an administrator or
  a collector of the enterprise's county, and each reveal is an event.
* `PurgeContacts` deletes them for enterprises whose problems all closed
  long ago (PIPL Art. 19); `RotateContactKey` re-seals them with a new key.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from govbiz import commands as c
from govbiz.contact_keys import new_salt, open_contacts, warn_in_clear
from govbiz.domain.actors import Role
from govbiz.domain.enterprise import Contact, Enterprise, seal_contacts
from govbiz.domain.events import JsonValue
from govbiz.domain.lifecycle import FINAL_STATES
from govbiz.domain.tenancy import Division
from govbiz.errors import PermissionDeniedError, ValidationError
from govbiz.handlers.context import CommandContext, Handler
from govbiz.ports.cipher import ClearContacts
from govbiz.ports.storage import ProblemQuery, RecordKind

__all__ = ["CONTACT_ROLES", "HANDLERS", "registration_payload", "stored_enterprise"]

#: Who may see contacts in clear: the county's administrator and collectors (统战部, who visit again).
CONTACT_ROLES = frozenset({Role.ADMINISTRATOR, Role.COLLECTOR})

#: The events of an enterprise's stream after its registration.
REVEALED, PURGED, REKEYED = "contacts_revealed", "contacts_purged", "contacts_rekeyed"

_BEIJING = ZoneInfo("Asia/Shanghai")


def stored_enterprise(ctx: CommandContext, enterprise: Enterprise) -> Enterprise:
    """`enterprise` (contacts in clear) as the store is to keep it: with its seal, its contacts sealed.

    Without a key ring the contacts stay in clear if the ledger's policy
    allows (a warning on SQLite); on a shared database server it refuses.
    """
    if not enterprise.contacts:
        return enterprise
    salt = new_salt()
    sealed = attrs.evolve(
        enterprise, contacts_seal=seal_contacts(enterprise.contacts, salt), contacts_salt=salt
    )
    keys = ctx.counties.contact_keys
    if keys is not None:
        return keys.sealed(sealed)
    policy = ctx.counties.clear_contacts
    if policy is ClearContacts.REFUSE:
        raise ValidationError(
            "contacts", f"{len(enterprise.contacts)} contacts",
            "this store keeps no contacts in clear: configure a key ring (GOVBIZ_CONTACT_KEYS, "
            "`govbiz contacts keygen`), or set GOVBIZ_CONTACTS_IN_CLEAR=1 to allow it",
        )  # fmt: skip
    if policy is ClearContacts.WARN:
        warn_in_clear(enterprise.county)
    return sealed


def registration_payload(payload: dict[str, JsonValue], stored: Enterprise) -> dict[str, JsonValue]:
    """A registration's event payload with its contacts replaced by their digest and count."""
    contacts = payload.pop("contacts", [])
    if stored.contacts_seal:
        payload["contacts_seal"] = stored.contacts_seal
        payload["contact_count"] = len(contacts) if isinstance(contacts, list) else 0
    return payload


def reveal_contacts(ctx: CommandContext, cmd: c.RevealContacts) -> tuple[Contact, ...]:
    """The contacts in clear, for an administrator or collector of the county; the reveal is an event."""
    enterprise = _enterprise(ctx, cmd.enterprise_id, "RevealContacts")
    if not enterprise.holds_contacts:
        reason = "its contacts were purged" if enterprise.contacts_seal else "it has no contacts"
        raise ValidationError("enterprise_id", cmd.enterprise_id, reason)
    contacts = open_contacts(enterprise, ctx.counties.contact_keys)
    payload: dict[str, JsonValue] = {"reason": cmd.reason, "contact_count": len(contacts)}
    ctx.update_record(
        RecordKind.ENTERPRISE, enterprise.id, enterprise, county=enterprise.county, event_kind=REVEALED,
        payload=payload,
    )  # fmt: skip
    return contacts


def purge_contacts(ctx: CommandContext, cmd: c.PurgeContacts) -> tuple[str, ...]:
    """Delete the contacts of every enterprise whose problems all closed before the day (PIPL Art. 19)."""
    _require(ctx, cmd.county, "PurgeContacts", frozenset({Role.ADMINISTRATOR}))
    cutoff = datetime.combine(cmd.closed_before, time.min, tzinfo=_BEIJING)
    purged: list[str] = []
    for record in ctx.uow.list_records(RecordKind.ENTERPRISE, _and_its_counties(ctx, cmd.county)):
        assert isinstance(record, Enterprise)
        if not (record.holds_contacts or record.contacts_salt) or not _all_closed_before(ctx, record, cutoff):
            continue
        purged.append(record.id)
        if cmd.dry_run:
            continue
        emptied = attrs.evolve(record, contacts=(), contacts_salt="", sealed_contacts=None)
        payload: dict[str, JsonValue] = {"closed_before": cmd.closed_before.isoformat()}
        ctx.update_record(
            RecordKind.ENTERPRISE,
            record.id,
            emptied,
            county=record.county,
            event_kind=PURGED,
            payload=payload,
        )
    return tuple(purged)


def rotate_contact_key(ctx: CommandContext, cmd: c.RotateContactKey) -> tuple[str, ...]:
    """Re-seal every enterprise's contacts in the county with the current key (those in clear too)."""
    _require(ctx, cmd.county, "RotateContactKey", frozenset({Role.ADMINISTRATOR}))
    keys = ctx.counties.contact_keys
    if keys is None:
        raise ValidationError("GOVBIZ_CONTACT_KEYS", None, "no contact key ring is configured to rotate to")
    rekeyed: list[str] = []
    for record in ctx.uow.list_records(RecordKind.ENTERPRISE, _and_its_counties(ctx, cmd.county)):
        assert isinstance(record, Enterprise)
        sealed = record.sealed_contacts
        if sealed is not None and sealed.key_id == keys.current:
            continue
        if sealed is None and not record.contacts:
            continue
        was = sealed.key_id if sealed is not None else "clear"
        current = record
        if sealed is None and not record.contacts_seal:  # a ledger from before the seal: seal it now
            salt = new_salt()
            current = attrs.evolve(
                record, contacts_salt=salt, contacts_seal=seal_contacts(record.contacts, salt)
            )
        payload: dict[str, JsonValue] = {
            "from": was,
            "to": keys.current,
            "contacts_seal": current.contacts_seal,
        }
        ctx.update_record(
            RecordKind.ENTERPRISE, record.id, keys.sealed(current), county=record.county, event_kind=REKEYED,
            payload=payload,
        )  # fmt: skip
        rekeyed.append(record.id)
    return tuple(rekeyed)


def _and_its_counties(ctx: CommandContext, county: str) -> frozenset[str]:
    """`county` and, for a city, the counties registered under it."""
    divisions = ctx.uow.list_records(RecordKind.DIVISION)
    return frozenset({county, *(d.code for d in divisions if isinstance(d, Division) and d.parent == county)})


def _all_closed_before(ctx: CommandContext, enterprise: Enterprise, cutoff: datetime) -> bool:
    query = ProblemQuery(counties=frozenset({enterprise.county}), enterprise_id=enterprise.id)
    problems = list(ctx.uow.find_problems(query))
    return bool(problems) and all(
        p.state in FINAL_STATES and (p.updated_at or p.collected_at) < cutoff for p in problems
    )


def _enterprise(ctx: CommandContext, enterprise_id: str, action: str) -> Enterprise:
    enterprise = ctx.record(RecordKind.ENTERPRISE, enterprise_id, Enterprise)
    _require(ctx, enterprise.county, action, CONTACT_ROLES)
    return enterprise


def _require(ctx: CommandContext, county: str, action: str, roles: frozenset[Role]) -> None:
    if ctx.actor.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDeniedError(
            ctx.actor.describe(), action, f"only {allowed} may see or change contacts"
        )
    ctx.require_own_county(county, action)


HANDLERS: dict[type[c.Command[Any]], Handler] = {
    c.RevealContacts: reveal_contacts,
    c.PurgeContacts: purge_contacts,
    c.RotateContactKey: rotate_contact_key,
}
