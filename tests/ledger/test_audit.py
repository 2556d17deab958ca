"""The tamper-evident audit chain: every edit, deletion and reordering is reported."""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from govbiz import commands as c
from govbiz.audit import SHA256, Finding, Hasher, seal, verify
from govbiz.clock import ManualClock
from govbiz.domain import DomainEvent
from govbiz.ledger import Ledger
from govbiz.storage import MemoryStore
from tests.conftest import World, build_world


def history(world: World) -> list[DomainEvent]:
    problem = world.signed()
    world.ledger.handle(world.zgj, c.ReportProgress(problem_id=problem.id, text="进展"))
    return world.ledger.history(world.viewer, problem.id)


def test_every_stored_event_is_chained_and_intact(world: World) -> None:
    events = history(world)
    assert events[0].prev_hash == ""
    assert all(e.hash.startswith("sha256:") for e in events)
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    with world.ledger.store.unit_of_work() as uow:
        assert verify(uow.events()) == []  # registry streams too
    assert world.ledger.problem(world.viewer, events[0].stream_id).last_hash == events[-1].hash


def test_an_edited_event_is_found(world: World) -> None:
    events = history(world)
    forged = attrs.evolve(events[3], payload={**events[3].payload, "lead": "430800-zjj"})
    [finding] = verify([*events[:3], forged, *events[4:]])
    assert (finding.version, finding.finding) == (4, Finding.EDITED)


def test_a_deleted_event_is_found(world: World) -> None:
    events = history(world)
    findings = verify(events[:2] + events[3:])
    assert [(f.version, f.finding) for f in findings] == [(4, Finding.DELETED)]


def test_a_deleted_last_event_is_found_through_the_stored_head(world: World) -> None:
    events = history(world)
    problem = world.ledger.problem(world.viewer, events[0].stream_id)
    heads = {("problem", problem.id): problem.last_hash}
    assert verify(events, heads=heads) == []
    [finding] = verify(events[:-1], heads=heads)
    assert (finding.version, finding.finding) == (len(events), Finding.DELETED)


def test_reordered_events_are_found(world: World) -> None:
    events = history(world)
    swapped = [events[0], events[2], events[1], *events[3:]]
    assert Finding.REORDERED in {f.finding for f in verify(swapped)}


def test_a_rehashed_forgery_breaks_the_next_link(world: World) -> None:
    events = history(world)
    # A forger who recomputes the edited event's own hash still breaks the next link.
    forged = seal(attrs.evolve(events[2], payload={"note": "改"}), events[2].prev_hash)
    findings = verify([*events[:2], forged, *events[3:]])
    assert [(f.version, f.finding) for f in findings] == [(4, Finding.BROKEN_LINK)]


def test_the_hash_function_is_pluggable() -> None:
    sm3_stand_in = Hasher("sha3", lambda data: hashlib.sha3_256(data).hexdigest())
    world = build_world(
        Ledger(MemoryStore(), clock=ManualClock(build_world().clock.now()), hasher=sm3_stand_in)
    )
    events = history(world)
    assert all(e.hash.startswith("sha3:") for e in events)
    assert verify(events, {"sha3": sm3_stand_in}) == []
    unknown = verify(events, {"sha256": SHA256})
    assert {f.finding for f in unknown} == {Finding.UNKNOWN_ALGORITHM}


@pytest.mark.parametrize("field", ["occurred_at", "actor_id", "state_after"])
def test_every_field_is_covered_by_the_hash(world: World, field: str) -> None:
    events = history(world)
    value = {
        "occurred_at": events[1].occurred_at.replace(year=2024),
        "actor_id": "someone",
        "state_after": "closed",
    }
    forged = attrs.evolve(events[1], **{field: value[field]})
    assert verify([events[0], forged, *events[2:]])[0].finding is Finding.EDITED


def test_the_hashed_bytes_never_change() -> None:
    # Stored chains must verify under every later version of govbiz: the bytes a hash covers are
    # canonical JSON (sorted keys, no spaces, UTF-8 text), written out here by hand.
    event = DomainEvent(
        stream="problem", stream_id="430800-P0001", version=2, kind="assign", county="430800",
        occurred_at=datetime(2025, 3, 31, 10, 0, tzinfo=timezone(timedelta(hours=8))),
        actor_id="chair-1", actor_role="session_chair", actor_department=None,
        state_before="scheduled", state_after="assigned",
        payload={"lead": "430800-zgj", "text": "现场交办", "co_handlers": ["430800-zjj"], "n": 3},
    )  # fmt: skip
    expected = (
        '{"actor_department":null,"actor_id":"chair-1","actor_role":"session_chair","county":"430800",'
        '"kind":"assign","occurred_at":"2025-03-31T10:00:00+08:00","payload":{"co_handlers":["430800-zjj"],'
        '"lead":"430800-zgj","n":3,"text":"现场交办"},"prev_hash":"sha256:abc","state_after":"assigned",'
        '"state_before":"scheduled","stream":"problem","stream_id":"430800-P0001","version":2}'
    ).encode()
    sealed = seal(event, "sha256:abc")
    assert sealed.prev_hash == "sha256:abc"
    assert sealed.hash == "sha256:" + hashlib.sha256(expected).hexdigest()
    assert verify([attrs.evolve(sealed, version=1, prev_hash="")]) != []  # the bytes cover the fields
