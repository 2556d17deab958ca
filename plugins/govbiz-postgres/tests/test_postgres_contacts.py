"""Enterprise contacts on PostgreSQL (个人信息): refused in clear without a key ring, sealed with one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from govbiz_postgres.store import PostgresStore

from govbiz.errors import ValidationError
from govbiz.ledger import Ledger
from govbiz.ports.cipher import ClearContacts
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
