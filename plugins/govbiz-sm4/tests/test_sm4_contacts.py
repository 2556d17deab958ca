"""SM4-GCM (GB/T 32907) for contacts at rest: the standard's block, a sealed ledger, refusals."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from govbiz_sm4 import SM4_GCM, available

import govbiz
from govbiz import commands as c
from govbiz.contact_keys import load_key_ring
from govbiz.domain import Actor, Role
from govbiz.plugins import contact_ciphers
from govbiz.ports.cipher import DecryptionError
from govbiz.ports.storage import RecordKind

pytestmark = pytest.mark.skipif(not available(), reason="this interpreter's OpenSSL has no SM4")

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm4_is_the_standards_block_cipher() -> None:
    # GB/T 32907-2016, Appendix A, example 1: the key encrypts itself to 681edf34d206965e86b3e94f536e4246.
    block = Cipher(algorithms.SM4(KEY), modes.ECB()).encryptor()
    assert (block.update(KEY) + block.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_a_ciphertext_opens_only_with_its_key_and_associated_data() -> None:
    sealed = SM4_GCM.encrypt(KEY, bytes(12), "施奕清".encode(), b"430800-E00001")
    assert SM4_GCM.decrypt(KEY, bytes(12), sealed, b"430800-E00001").decode() == "施奕清"
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    wrong = [
        (bytes(16), b"430800-E00001", sealed),  # another key
        (KEY, b"430800-E00002", sealed),  # another enterprise
        (KEY, b"430800-E00001", tampered),  # a changed tag
    ]
    for key, associated, data in wrong:
        with pytest.raises(DecryptionError):
            SM4_GCM.decrypt(key, bytes(12), data, associated)


def test_a_key_ring_of_sm4_keys_seals_a_ledgers_contacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "sm4-gcm" in contact_ciphers()
    keys = tmp_path / "contacts.toml"
    secret = base64.b64encode(KEY).decode()
    keys.write_text(
        f'current = "sm4"\n[keys.sm4]\nalgorithm = "sm4-gcm"\nkey = "{secret}"\n', encoding="utf-8"
    )
    assert load_key_ring(keys).current_key.cipher.algorithm == "sm4-gcm"
    monkeypatch.setenv("GOVBIZ_CONTACT_KEYS", str(keys))
    ledger = govbiz.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    jiurui = ledger.handle(admin, c.RegisterEnterprise(
        county="430800", name="张家界久瑞生物科技有限公司", credit_code="91430800MA4L12345E",
        contacts=[{"name": "施奕清", "phone": "13812345678"}]))  # fmt: skip
    with ledger.store.unit_of_work() as uow:
        stored = uow.get_record(RecordKind.ENTERPRISE, jiurui.id)
    assert stored.sealed_contacts.algorithm == "sm4-gcm"  # type: ignore[union-attr]
    [contact] = ledger.handle(admin, c.RevealContacts(enterprise_id=jiurui.id, reason="回访"))
    assert contact.phone == "13812345678"
    raw = (tmp_path / "ledger.db").read_bytes() + (tmp_path / "ledger.db-wal").read_bytes()
    assert b"13812345678" not in raw
