"""SM2 (GB/T 32918) checkpoint signatures: the standard's curve, signatures that refuse a change, the CLI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from govbiz_sm2 import Sm2Signer, Sm2Verifier, generate_keypair, govbiz_signature_key
from govbiz_sm2.__main__ import main as sm2_main

import govbiz
from govbiz import commands as c
from govbiz.builtin.ed25519 import generate_keypair as ed25519_keypair
from govbiz.checkpoint import make_checkpoint, verify_checkpoints
from govbiz.cli import main
from govbiz.domain import Actor, Role
from govbiz.plugins import checkpoint_signer, checkpoint_verifier

#: The base point G of the SM2 recommended curve (GB/T 32918.5-2017): the public key of d = 1.
G = (
    "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
    "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
)


def test_the_curve_is_the_standards_recommended_curve() -> None:
    assert Sm2Signer(f"{1:064x}").public.upper() == G


def test_a_signature_verifies_and_refuses_any_change() -> None:
    signer = Sm2Signer.generate()
    data = "检查点 1: sha256:abc".encode()
    signature = signer.sign(data)
    assert len(signature) == 64
    assert signer.sign(data) != signature  # a fresh k each time
    verifier = signer.verifier()
    assert verifier.verify(data, signature)
    assert not verifier.verify(data + b"x", signature)
    assert not verifier.verify(data, bytes([signature[0] ^ 1]) + signature[1:])
    assert not verifier.verify(data, signature[:-1])
    assert not Sm2Signer.generate().verifier().verify(data, signature)  # another key
    assert (verifier.algorithm, verifier.key_id) == ("sm2", signer.key_id)
    assert signer.private not in repr(signer)


def test_sm2_checkpoints_anchor_a_ledger(tmp_path: Path) -> None:
    ledger = govbiz.open("memory://")
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    signer = Sm2Signer.generate()
    with ledger.store.unit_of_work() as uow:
        events = uow.events()
    make_checkpoint(events, ledger.store.checkpoints(), signer, ledger.clock.now())
    checkpoints = ledger.store.checkpoints().all()
    assert verify_checkpoints(checkpoints, signer.verifier(), events) == []
    assert [f.finding.value for f in verify_checkpoints(checkpoints, Sm2Signer.generate().verifier())] == [
        "bad_signature"
    ]


def test_the_hook_loads_sm2_key_files_and_leaves_ed25519_ones_to_govbiz(tmp_path: Path) -> None:
    signer = generate_keypair(tmp_path / "cp.sm2", tmp_path / "cp.sm2.pub")
    assert stat.S_IMODE((tmp_path / "cp.sm2").stat().st_mode) == 0o600
    loaded = checkpoint_signer(tmp_path / "cp.sm2")
    assert isinstance(loaded, Sm2Signer)
    assert loaded.key_id == signer.key_id
    assert checkpoint_verifier(tmp_path / "cp.sm2.pub") == Sm2Verifier(signer.public)
    ed25519_keypair(tmp_path / "ed.pem", tmp_path / "ed.pub.pem")
    assert govbiz_signature_key(str(tmp_path / "ed.pem"), True) is None
    assert checkpoint_signer(tmp_path / "ed.pem").algorithm == "ed25519"


def test_govbiz_audit_checkpoint_and_verify_with_an_sm2_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        sm2_main(["keygen", "--private", str(tmp_path / "cp.sm2"), "--public", str(tmp_path / "cp.sm2.pub")])
        == 0
    )
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = govbiz.open(db)
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    ledger.close()
    runner = CliRunner()
    made = runner.invoke(main, ["audit", "checkpoint", "--db", db, "--key", str(tmp_path / "cp.sm2")])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(main, ["verify", "--db", db, "--public-key", str(tmp_path / "cp.sm2.pub")])
    assert checked.exit_code == 0, checked.output
    other = tmp_path / "other"
    other.mkdir()
    generate_keypair(other / "cp.sm2", other / "cp.sm2.pub")
    forged = runner.invoke(main, ["verify", "--db", db, "--public-key", str(other / "cp.sm2.pub")])
    assert forged.exit_code == 1
    assert "bad_signature" in forged.output
