"""Derived state checked against the events (派生数据核对).

The events are the ledger's record; everything else a store keeps is derived
from them: a problem's snapshot, its `state` and other query columns, its
department and clock rows (which reminders and metrics read), the registry
records.  Someone who can write the database can edit any of those and leave
the events alone, so the hash chain alone says "intact".  `reconcile` replays
every problem's events and compares what it finds with what is stored; each
difference is an `govbiz.audit.AuditFinding` naming what differs.  No key is
needed: this part of `govbiz verify` works on every ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from govbiz.audit import AuditFinding, Finding
from govbiz.contact_keys import KeyRing, open_contacts
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.problem import STREAM as PROBLEM_STREAM
from govbiz.domain.problem import Problem, replay
from govbiz.ports.cipher import DecryptionError
from govbiz.ports.storage import RecordKind, StoredProblem, StoredRecord, UnitOfWork, derived_index
from govbiz.storage import codec

__all__ = ["reconcile", "reconcile_store"]

_RECORD_STREAMS = frozenset(kind.value for kind in RecordKind)


def reconcile_store(
    uow: UnitOfWork, events: Iterable[DomainEvent], *, contact_keys: KeyRing | None = None
) -> list[AuditFinding]:
    """`reconcile` what `uow`'s store holds with `events` (all of them, as `uow.events()` returns)."""
    return reconcile(events, uow.stored_problems(), uow.stored_records(), contact_keys=contact_keys)


def reconcile(
    events: Iterable[DomainEvent],
    problems: Iterable[StoredProblem],
    records: Iterable[StoredRecord],
    *,
    contact_keys: KeyRing | None = None,
) -> list[AuditFinding]:
    """Every difference between the stored `problems` and `records` and what `events` say.

    An enterprise's contacts are checked against the digest its events
    record (`contacts_seal`): in clear always, sealed ones with `contact_keys`.
    """
    streams: dict[tuple[str, str], list[DomainEvent]] = {}
    for event in events:
        streams.setdefault((event.stream, event.stream_id), []).append(event)
    findings: list[AuditFinding] = []
    for stored in problems:
        findings.extend(_check_problem(stored, streams.pop((PROBLEM_STREAM, stored.id), [])))
    for record in records:
        findings.extend(_check_record(record, streams.pop((record.kind.value, record.key), []), contact_keys))
    for (stream, stream_id), orphaned in sorted(streams.items()):
        if stream == PROBLEM_STREAM or stream in _RECORD_STREAMS:
            last = max(e.version for e in orphaned)
            what = "problem" if stream == PROBLEM_STREAM else "record"
            detail = f"{len(orphaned)} events but no {what}"
            findings.append(AuditFinding(stream, stream_id, last, Finding.NO_RECORD, detail))
    return findings


def _check_problem(stored: StoredProblem, events: list[DomainEvent]) -> list[AuditFinding]:
    version = stored.problem.version if stored.problem is not None else 0

    def found(finding: Finding, detail: str) -> AuditFinding:
        return AuditFinding(PROBLEM_STREAM, stored.id, version, finding, detail)

    if not events:
        return [found(Finding.NO_EVENTS, stored.error or "a stored problem without a single event")]
    try:
        replayed = replay(sorted(events, key=lambda e: e.version))
    except Exception as error:  # a forged event may fail in any way; the chain check names it
        return [found(Finding.SNAPSHOT_DIFFERS, f"its events do not replay: {error}")]
    version = replayed.version
    findings: list[AuditFinding] = []
    if stored.problem is None:
        findings.append(found(Finding.UNREADABLE, stored.error))
    elif stored.problem != replayed:
        fields = _differing_fields(stored.problem, replayed)
        findings.append(found(Finding.SNAPSHOT_DIFFERS, f"the snapshot differs from its events in {fields}"))
    columns, departments, clocks = stored.index
    want_columns, want_departments, want_clocks = derived_index(replayed)
    changed = [name for name, value in want_columns.items() if columns.get(name) != value]
    if changed:
        findings.append(found(Finding.INDEX_DIFFERS, f"the stored columns {', '.join(changed)} differ"))
    if departments != want_departments:
        findings.append(found(Finding.INDEX_DIFFERS, "the stored lead and co-handling departments differ"))
    wrong = sorted(set(clocks.items()) ^ set(want_clocks.items()))
    if wrong:
        names = ", ".join(sorted({clock for clock, _ in wrong}))
        detail = f"the stored clocks {names} differ (cutoff or last day)"
        findings.append(found(Finding.INDEX_DIFFERS, detail))
    return findings


def _differing_fields(stored: Problem, replayed: Problem) -> str:
    names = [a.name for a in attrs.fields(Problem) if getattr(stored, a.name) != getattr(replayed, a.name)]
    return ", ".join(names)


def _check_record(
    stored: StoredRecord, events: list[DomainEvent], contact_keys: KeyRing | None
) -> list[AuditFinding]:
    def found(version: int, finding: Finding, detail: str) -> AuditFinding:
        return AuditFinding(stored.kind.value, stored.key, version, finding, detail)

    if not events:
        return [found(stored.version, Finding.NO_EVENTS, stored.error or "a stored record without its event")]
    last = max(events, key=lambda e: e.version)
    if stored.record is None:
        return [found(last.version, Finding.UNREADABLE, stored.error)]
    findings: list[AuditFinding] = []
    if stored.version != last.version:
        findings.append(found(last.version, Finding.INDEX_DIFFERS, f"stored at version {stored.version}"))
    if stored.county != last.county:
        findings.append(found(last.version, Finding.INDEX_DIFFERS, f"stored under county {stored.county}"))
    first = min(events, key=lambda e: e.version)
    registered = dict(first.payload)
    if isinstance(stored.record, Enterprise):
        contacts = _check_contacts(stored.record, events, registered, contact_keys)
        findings.extend(found(last.version, Finding.RECORD_DIFFERS, detail) for detail in contacts)
    changed = _differing_keys(codec.encode_record(stored.record), registered)
    if changed:
        detail = f"the record differs from its registration event in {', '.join(changed)}"
        findings.append(found(last.version, Finding.RECORD_DIFFERS, detail))
    return findings


def _check_contacts(
    enterprise: Enterprise, events: list[DomainEvent], registered: dict[str, Any], keys: KeyRing | None
) -> list[str]:
    """What is wrong with an enterprise's contacts, against the digest its events record.

    The contacts are compared, never shown; `registered` loses the fields
    checked here (a ledger from before the seal carries the contacts in clear).
    """
    ordered = sorted(events, key=lambda e: e.version)
    purged = any(e.kind == "contacts_purged" for e in ordered)
    seal = next(
        (str(e.payload["contacts_seal"]) for e in reversed(ordered) if "contacts_seal" in e.payload), ""
    )
    clear = registered.pop("contacts", None)
    registered.pop("contacts_seal", None)
    problems: list[str] = []
    if enterprise.contacts_seal != seal:
        problems.append("its contacts digest differs from the one its events record")
    if purged:
        if enterprise.holds_contacts or enterprise.contacts_salt:
            problems.append("its contacts are kept after their purge")
        return problems
    if seal and not enterprise.holds_contacts:
        problems.append("its contacts are gone without a purge event")
    elif enterprise.sealed_contacts is None or keys is not None:
        try:
            contacts = open_contacts(attrs.evolve(enterprise, contacts_seal=seal), keys)
        except DecryptionError as error:
            problems.append(f"its contacts: {error}")
        else:
            if clear is not None and [c.revealed() for c in contacts] != _plain(clear):
                problems.append("its contacts differ from those its registration recorded")
    return problems


def _differing_keys(record: Mapping[str, Any], payload: Mapping[str, Any]) -> list[str]:
    """The fields both the record and its event's payload hold, whose values differ."""
    shared = record.keys() & payload.keys()
    return sorted(key for key in shared if _plain(record[key]) != _plain(payload[key]))


def _plain(value: Any) -> Any:
    """A JSON value with tuples as lists, so encodings of the same value compare equal."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
