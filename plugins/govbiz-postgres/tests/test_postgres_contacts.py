"""Enterprise contacts on PostgreSQL (个人信息): refused in clear without a key ring, sealed with one."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from govbiz_postgres.store import PostgresStore

from govbiz import commands as c
from govbiz.audit import verify
from govbiz.builtin.ed25519 import generate_keypair, load_verifier
from govbiz.checkpoint import verify_checkpoints, vouched_redactions
from govbiz.errors import ValidationError
from govbiz.handlers import registry as registry_handlers
from govbiz.ledger import Ledger
from govbiz.ports.cipher import ClearContacts
from govbiz.redaction import plan_contact_redactions, redact_contacts
from govbiz.storage.sql import schema as t
from govbiz.testing.contract import CONTACT_KEYS
from tests.conftest import build_world


def test_postgresql_refuses_contacts_in_clear_without_a_key_ring(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVBIZ_CONTACTS_IN_CLEAR")
    assert pg_store.clear_contacts is ClearContacts.REFUSE
    with pytest.raises(ValidationError, match="keeps no contacts in clear") as refused:
        build_world(Ledger(pg_store))
    assert "13812345678" not in str(refused.value)
    with pg_store.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.records).where(
            t.records.c.kind == "enterprise")).scalar_one() == 0  # fmt: skip


def test_postgresql_with_a_key_ring_holds_no_contact_in_clear(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVBIZ_CONTACTS_IN_CLEAR")
    world = build_world(Ledger(pg_store, contact_keys=CONTACT_KEYS))
    with pg_store.reading() as conn:
        text = " ".join(str(r) for table in (t.records, t.events) for r in conn.execute(sa.select(table)))
    assert "张家界久瑞生物科技有限公司" in text
    assert "施奕清" not in text
    assert "13812345678" not in text
    assert world.ledger.record(world.viewer, "enterprise", world.enterprise_id).contacts == ()


def test_postgresql_redacts_clear_contacts_from_old_events_and_verifies(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A ledger from before contacts were sealed (GOVBIZ_CONTACTS_IN_CLEAR=1 is set for these tests).
    monkeypatch.setattr(registry_handlers, "stored_enterprise", lambda ctx, enterprise: enterprise)
    monkeypatch.setattr(registry_handlers, "registration_payload", lambda payload, stored: payload)
    world = build_world(Ledger(pg_store))
    monkeypatch.undo()
    Ledger(pg_store, clock=world.clock, contact_keys=CONTACT_KEYS).handle(
        world.admin, c.RotateContactKey(county="430800")
    )
    signer = generate_keypair(tmp_path / "key.pem", tmp_path / "key.pub")
    redact_contacts(pg_store, signer, world.clock.now(), plan_contact_redactions(pg_store))
    with pg_store.reading() as conn:
        text = " ".join(str(r) for r in conn.execute(sa.select(t.events.c.payload)))
    assert "13812345678" not in text
    assert "施奕清" not in text
    verifier = load_verifier(tmp_path / "key.pub")
    checkpoints = pg_store.checkpoints().all()
    with pg_store.unit_of_work() as uow:
        events = uow.events()
    assert verify(events) != []  # the chain alone sees an edited event ...
    vouched = vouched_redactions(checkpoints, verifier)
    assert verify(events, redactions=vouched) == []  # ... that a signed checkpoint vouched for
    assert verify_checkpoints(checkpoints, verifier, events) == []
