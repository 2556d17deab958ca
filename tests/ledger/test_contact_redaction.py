"""Contacts redacted from events sealed before contacts were kept at rest (历史事件联系人脱敏).

A ledger from before holds contacts in clear in its registration events.
After `rotate-key` seals the records, `govbiz contacts redact-history`
removes them from the events too: a signed checkpoint vouches for each
redacted event, which keeps its hash, so the trail still verifies, and
nothing an insider writes without the key is accepted as a redaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from govbiz import commands as c
from govbiz.audit import Finding, verify
from govbiz.builtin.ed25519 import generate_keypair, load_verifier
from govbiz.checkpoint import make_checkpoint, verify_checkpoints, vouched_redactions
from govbiz.cli import main
from govbiz.contact_keys import add_key
from govbiz.errors import ConcurrencyError, ValidationError
from govbiz.handlers import registry as registry_handlers
from govbiz.ledger import Ledger
from govbiz.ports.checkpoints import Redaction, SignedCheckpoint
from govbiz.ports.signer import Signer
from govbiz.reconcile import reconcile_store
from govbiz.redaction import plan_contact_redactions, redact_contacts
from tests.conftest import World
from tests.ledger.test_contacts_at_rest import NAME, PHONE, ring, sqlite_world, stored


@pytest.fixture
def old_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A SQLite ledger written as govbiz did before contacts were sealed: in clear, in record and event."""
    monkeypatch.setattr(registry_handlers, "stored_enterprise", lambda ctx, enterprise: enterprise)
    monkeypatch.setattr(registry_handlers, "registration_payload", lambda payload, stored: payload)
    world = sqlite_world(tmp_path, None)
    monkeypatch.undo()
    yield world
    world.ledger.store.close()


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return generate_keypair(tmp_path / "checkpoint.pem", tmp_path / "checkpoint.pub")


def raw_payloads(tmp_path: Path) -> str:
    """Every event payload as the SQLite file holds it."""
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        return "\n".join(row[0] for row in conn.execute("SELECT payload FROM events"))


def findings(world: World, tmp_path: Path, *, anchored: bool = True) -> list[str]:
    """What `govbiz verify` finds: chains (with the vouched redactions), derived state, checkpoints."""
    verifier = load_verifier(tmp_path / "checkpoint.pub") if anchored else None
    checkpoints = world.ledger.store.checkpoints().all()
    redactions = vouched_redactions(checkpoints, verifier)
    with world.ledger.store.unit_of_work() as uow:
        events = uow.events()
        found = verify(events, redactions=redactions) + reconcile_store(uow, events, contact_keys=KEYS)
    if verifier is not None:
        found += verify_checkpoints(checkpoints, verifier, events)
    return [str(f) for f in found]


KEYS = ring("k1")


def sealed(world: World) -> None:
    """The records sealed with a key ring (`govbiz contacts rotate-key`)."""
    Ledger(world.ledger.store, clock=world.clock, contact_keys=KEYS).handle(
        world.admin, c.RotateContactKey(county="430800")
    )


def test_redaction_removes_clear_contacts_from_old_events_and_the_trail_still_verifies(
    old_world: World, tmp_path: Path, signer: Signer
) -> None:
    world = old_world
    sealed(world)
    with world.ledger.store.unit_of_work() as uow:
        make_checkpoint(uow.events(), world.ledger.store.checkpoints(), signer, world.clock.now())
    assert PHONE in raw_payloads(tmp_path)  # the old registration event holds it, sealed in the chain
    assert findings(world, tmp_path) == []

    plans = plan_contact_redactions(world.ledger.store)
    assert [(p.original.stream_id, p.original.version) for p in plans] == [(world.enterprise_id, 1)]
    signed = redact_contacts(world.ledger.store, signer, world.clock.now(), plans)
    assert signed is not None and [r.stream_id for r in signed.checkpoint.redactions] == [world.enterprise_id]

    held = raw_payloads(tmp_path)
    assert PHONE not in held and NAME not in held
    with world.ledger.store.unit_of_work() as uow:
        [registered] = uow.events("enterprise", world.enterprise_id)[:1]
    assert "contacts" not in registered.payload and registered.payload["contact_count"] == 1
    assert registered.hash == plans[0].original.hash  # the chain and the checkpoints still link through it
    assert findings(world, tmp_path) == []
    # The record keeps them sealed, and a recorded reveal still opens them.
    assert stored(world).sealed_contacts is not None
    opened = Ledger(world.ledger.store, clock=world.clock, contact_keys=KEYS)
    [contact] = opened.handle(world.admin, c.RevealContacts(enterprise_id=world.enterprise_id, reason="回访"))
    assert contact.phone == PHONE
    assert plan_contact_redactions(world.ledger.store) == []  # nothing left to redact


def test_without_the_checkpoint_a_redacted_event_is_an_edit(
    old_world: World, tmp_path: Path, signer: Signer
) -> None:
    world = old_world
    sealed(world)
    [plan] = plan_contact_redactions(world.ledger.store)
    # An insider removes the contacts (or anything else) without the key: no checkpoint vouches for it.
    world.ledger.store.redact_events([plan.redacted])
    assert any(Finding.EDITED.value in line for line in findings(world, tmp_path, anchored=False))


def test_a_redaction_in_a_checkpoint_signed_by_another_key_is_not_honoured(
    old_world: World, tmp_path: Path, signer: Signer
) -> None:
    world = old_world
    sealed(world)
    [plan] = plan_contact_redactions(world.ledger.store)
    forger = generate_keypair(tmp_path / "forger.pem", tmp_path / "forger.pub")
    redact_contacts(world.ledger.store, forger, world.clock.now(), [plan])
    found = findings(world, tmp_path)
    assert any(Finding.BAD_SIGNATURE.value in line for line in found)
    assert any(Finding.EDITED.value in line and world.enterprise_id in line for line in found)


def test_a_redacted_event_edited_afterwards_is_found(
    old_world: World, tmp_path: Path, signer: Signer
) -> None:
    world = old_world
    sealed(world)
    plans = plan_contact_redactions(world.ledger.store)
    redact_contacts(world.ledger.store, signer, world.clock.now(), plans)
    forged = attrs.evolve(plans[0].redacted, payload={**plans[0].redacted.payload, "name": "别的公司"})
    world.ledger.store.redact_events([forged])
    assert any(Finding.EDITED.value in line for line in findings(world, tmp_path))


def test_redaction_is_refused_while_a_record_holds_its_contacts_in_clear(old_world: World) -> None:
    with pytest.raises(ValidationError, match="rotate-key"):
        plan_contact_redactions(old_world.ledger.store)


def test_an_event_not_stored_with_its_hash_is_not_redacted_and_nothing_changes(
    old_world: World, tmp_path: Path
) -> None:
    world = old_world
    sealed(world)
    [plan] = plan_contact_redactions(world.ledger.store)
    before = raw_payloads(tmp_path)
    stale = attrs.evolve(plan.redacted, hash="sha256:" + "0" * 64)
    with pytest.raises(ConcurrencyError):
        world.ledger.store.redact_events([plan.redacted, stale])
    assert raw_payloads(tmp_path) == before  # all or none


def test_a_checkpoint_without_redactions_keeps_its_signed_bytes(signer: Signer) -> None:
    from datetime import UTC, datetime

    from govbiz.ports.checkpoints import Checkpoint

    plain = Checkpoint(1, datetime(2026, 12, 3, tzinfo=UTC), "", (), "sha256:00", 0)
    assert b"redactions" not in plain.canonical_bytes()
    redaction = Redaction("enterprise", "430800#1", 1, "sha256:aa", "sha256:bb")
    listed = attrs.evolve(plain, redactions=(redaction,))
    signed = SignedCheckpoint(listed, signer.algorithm, signer.key_id, signer.sign(listed.canonical_bytes()))
    assert SignedCheckpoint.from_json(signed.to_json()) == signed


def test_govbiz_contacts_redact_history(
    old_world: World, tmp_path: Path, signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = old_world
    keyfile = tmp_path / "contacts.toml"
    add_key(keyfile)
    monkeypatch.setenv("GOVBIZ_CONTACT_KEYS", str(keyfile))
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    runner = CliRunner()
    refused = runner.invoke(main, ["contacts", "redact-history", "--key", str(tmp_path / "checkpoint.pem"),
                                   "--db", db])  # fmt: skip
    assert refused.exit_code != 0 and "rotate-key" in refused.output
    assert runner.invoke(main, ["contacts", "rotate-key", "--county", "430800", "--db", db]).exit_code == 0
    dry = runner.invoke(main, ["contacts", "redact-history", "--dry-run", "--db", db])
    assert dry.exit_code == 0, dry.output
    assert "1 registration event(s) would be redacted" in dry.output and PHONE in raw_payloads(tmp_path)
    assert runner.invoke(main, ["contacts", "redact-history", "--db", db]).exit_code != 0  # no key
    done = runner.invoke(main, ["contacts", "redact-history", "--key", str(tmp_path / "checkpoint.pem"),
                                "--db", db, "--json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert '"checkpoint": 1' in done.output and PHONE not in raw_payloads(tmp_path)
    verified = runner.invoke(main, ["verify", "--db", db, "--public-key", str(tmp_path / "checkpoint.pub")])
    assert verified.exit_code == 0, verified.output
    assert world.enterprise_id  # the world's ledger is the one the commands changed
