"""Signed checkpoints (锚定检查点): chained, signed, and the events checked against them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import attrs
import pytest

from govbiz.audit import SHA256, SM3, Finding, hasher_from, seal, sm3_hasher
from govbiz.builtin.ed25519 import Ed25519Signer
from govbiz.checkpoint import (
    BACKDATING_GRACE,
    current_heads,
    export_lines,
    make_checkpoint,
    merkle_root,
    read_export,
    verify_checkpoints,
)
from govbiz.domain.events import DomainEvent
from govbiz.errors import ConcurrencyError, ValidationError
from govbiz.ports.checkpoints import SignedCheckpoint
from govbiz.ports.signer import Signer, Verifier
from govbiz.storage import MemoryStore
from govbiz.testing.contract import Scenario, build_scenario


@pytest.fixture
def scenario() -> Scenario:
    return build_scenario(MemoryStore())


def _events(s: Scenario) -> list[DomainEvent]:
    with s.ledger.store.unit_of_work() as uow:
        return uow.events()


def test_a_checkpoint_covers_every_stream_and_the_next_only_what_changed(scenario: Scenario) -> None:
    signer = Ed25519Signer.generate()
    log = scenario.ledger.store.checkpoints()
    events = _events(scenario)
    first = make_checkpoint(events, log, signer, scenario.clock.now())
    heads = current_heads(events)
    assert first.checkpoint.sequence == 1
    assert first.checkpoint.previous == ""
    assert len(first.checkpoint.heads) == first.checkpoint.streams == len(heads)
    assert first.checkpoint.root == merkle_root(heads.values())
    second = make_checkpoint(events, log, signer, scenario.clock.now())
    assert (second.checkpoint.sequence, second.checkpoint.heads) == (2, ())
    assert second.checkpoint.root == first.checkpoint.root
    assert verify_checkpoints(log.all(), signer.verifier(), events) == []
    with pytest.raises(ConcurrencyError):
        log.append(second)  # a number is taken once


def test_the_signer_and_verifier_meet_the_ports() -> None:
    signer = Ed25519Signer.generate()
    assert isinstance(signer, Signer)
    assert isinstance(signer.verifier(), Verifier)
    assert signer.verifier().key_id == signer.key_id
    assert signer.verifier().verify(b"x", signer.sign(b"x"))
    assert not signer.verifier().verify(b"y", signer.sign(b"x"))
    assert "key=" not in repr(signer)  # the private key never shows in a repr


def test_a_checkpoint_signed_by_another_key_or_edited_is_refused(scenario: Scenario) -> None:
    signer, other = Ed25519Signer.generate(), Ed25519Signer.generate()
    log = scenario.ledger.store.checkpoints()
    signed = make_checkpoint(_events(scenario), log, signer, scenario.clock.now())
    [foreign] = verify_checkpoints([signed], other.verifier())
    assert foreign.finding is Finding.BAD_SIGNATURE
    fewer = attrs.evolve(signed.checkpoint, heads=signed.checkpoint.heads[1:])
    edited = attrs.evolve(signed, checkpoint=fewer)
    [bad] = verify_checkpoints([edited], signer.verifier())
    assert (bad.finding, bad.detail) == (Finding.BAD_SIGNATURE, "the signature does not match the checkpoint")


def test_a_missing_checkpoint_is_found(scenario: Scenario) -> None:
    signer = Ed25519Signer.generate()
    log = scenario.ledger.store.checkpoints()
    for _ in range(3):
        make_checkpoint(_events(scenario), log, signer, scenario.clock.now())
    first, _, third = log.all()
    [gap] = verify_checkpoints([first, third], signer.verifier())
    assert (gap.version, gap.finding) == (3, Finding.CHECKPOINT_MISSING)
    no_start = verify_checkpoints([third], signer.verifier())  # 1 and 2 missing: neither number nor root fit
    assert {f.finding for f in no_start} == {Finding.CHECKPOINT_MISSING}
    assert "checkpoints 1 to 2 are missing" in no_start[0].detail


def test_an_event_dated_before_a_checkpoint_that_did_not_see_it_is_backdated(scenario: Scenario) -> None:
    signer = Ed25519Signer.generate()
    events = _events(scenario)
    log = scenario.ledger.store.checkpoints()
    at = scenario.clock.now()
    make_checkpoint(events, log, signer, at)
    last = max((e for e in events if e.stream == "problem"), key=lambda e: (e.stream_id, e.version))
    late = attrs.evolve(last, version=last.version + 1, occurred_at=at - BACKDATING_GRACE / 2)
    late = seal(late, last.hash)
    assert verify_checkpoints(log.all(), signer.verifier(), [*events, late]) == []  # within the grace
    forged = attrs.evolve(late, occurred_at=at - timedelta(hours=1))
    [backdated] = verify_checkpoints(log.all(), signer.verifier(), [*events, forged])
    assert (backdated.stream_id, backdated.version, backdated.finding) == (
        last.stream_id, last.version + 1, Finding.BACKDATED,
    )  # fmt: skip


def test_an_export_round_trips_and_verifies_on_its_own(scenario: Scenario) -> None:
    signer = Ed25519Signer.generate()
    log = scenario.ledger.store.checkpoints()
    make_checkpoint(_events(scenario), log, signer, scenario.clock.now())
    make_checkpoint(_events(scenario), log, signer, scenario.clock.now())
    lines = list(export_lines(log.all()))
    assert read_export(lines) == log.all()
    assert verify_checkpoints(read_export(lines), signer.verifier()) == []
    assert SignedCheckpoint.from_json(lines[0]) == log.all()[0]
    with pytest.raises(ValueError, match="line 2 is not a checkpoint"):
        read_export([lines[0], "{}"])


def test_sm3_is_built_in_where_openssl_has_it() -> None:
    if "sm3" not in hashlib.algorithms_available:
        assert SM3 is None
        with pytest.raises(ValidationError, match="govbiz-sm3"):
            hasher_from("sm3", {"sha256": SHA256})
        return
    sm3 = sm3_hasher()
    assert sm3 is not None
    # GB/T 32905-2016, appendix A: the digest of "abc".
    assert sm3.hash(b"abc") == "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    from govbiz import plugins

    assert plugins.hashers()["sm3"].hash(b"abc") == sm3.hash(b"abc")


def test_an_unknown_sm3_names_the_plugin_to_install() -> None:
    with pytest.raises(ValidationError, match="pip install govbiz-sm3"):
        hasher_from("sm3", {"sha256": SHA256})
