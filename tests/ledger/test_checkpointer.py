"""Checkpoints as commands commit (`govbiz.checkpointer`): the window for a forged event, closed."""

from __future__ import annotations

import time
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from govbiz import commands as c
from govbiz.audit import Finding, seal
from govbiz.builtin.ed25519 import Ed25519Signer, generate_keypair
from govbiz.checkpoint import verify_checkpoints
from govbiz.checkpointer import Checkpointer
from govbiz.ledger import Ledger
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.rows import event_row
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import World, build_world


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def anchored_world(tmp_path: Path, interval: float, ticks: Ticks | None = None) -> tuple[World, Checkpointer]:
    store = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
    world = build_world(Ledger(store))
    signer = Ed25519Signer.generate()
    checkpointer = Checkpointer(
        store, signer, world.clock.now, interval=interval, monotonic=ticks or time.monotonic
    )
    world.ledger.subscribe(checkpointer)
    return world, checkpointer


def test_every_commit_is_anchored_so_an_event_rewritten_just_after_it_is_found(tmp_path: Path) -> None:
    world, checkpointer = anchored_world(tmp_path, interval=0)
    problem = world.collect("融资难")
    world.later(minutes=3)  # a day in 2025; the ledger works on any day of 2026–2030 alike
    world.at("2027-05-06 10:00")
    triaged = world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
    assert len(checkpointer.made) == 2
    store = world.ledger.store
    with store.unit_of_work() as uow:
        events = uow.events("problem", triaged.id)
    # The insider rewrites the triage, just committed, and reseals it: the checkpoint already holds it.
    forged = seal(attrs.evolve(events[-1], payload={**events[-1].payload, "note": "改"}), events[-2].hash)
    with store.writing() as conn:  # type: ignore[attr-defined]
        where = (t.events.c.stream_id == triaged.id, t.events.c.version == forged.version)
        conn.execute(sa.update(t.events).where(*where).values(event_row(forged)))
    with store.unit_of_work() as uow:
        found = verify_checkpoints(store.checkpoints().all(), checkpointer.signer.verifier(), uow.events())
    assert [(f.stream_id, f.finding) for f in found] == [(triaged.id, Finding.HEAD_REWRITTEN)]


def test_commits_within_the_interval_share_one_checkpoint_and_close_anchors_the_rest(tmp_path: Path) -> None:
    ticks = Ticks()
    world, checkpointer = anchored_world(tmp_path, interval=5, ticks=ticks)
    assert checkpointer.made == []  # subscribed after the world was built
    world.collect("一")  # the first commit is anchored at once
    world.collect("二")
    assert len(checkpointer.made) == 1  # within 5 s of the last: pending
    ticks.now = 6.0
    world.collect("三")  # 5 s passed: anchored, with the two before it
    assert len(checkpointer.made) == 2
    world.collect("四")
    assert checkpointer.flush() is not None
    assert checkpointer.flush() is None  # nothing pending
    world.collect("五")
    world.ledger.close()  # the ledger closes its subscribers: what is pending is anchored
    assert len(checkpointer.made) == 4
    with open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}").unit_of_work() as uow:
        events = uow.events()
    store = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert verify_checkpoints(store.checkpoints().all(), checkpointer.signer.verifier(), events) == []
    store.close()


def test_a_commit_left_pending_is_anchored_by_the_timer(tmp_path: Path) -> None:
    world, checkpointer = anchored_world(tmp_path, interval=0.3)
    world.collect("一")  # anchored at once
    world.collect("二")  # within 0.3 s: pending, for the timer
    count = len(checkpointer.made)
    assert count == 1
    deadline = time.monotonic() + 10
    while len(checkpointer.made) == count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(checkpointer.made) == count + 1
    checkpointer.close()


def test_a_negative_interval_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="never negative"):
        Checkpointer(open_sqlite("sqlite://"), Ed25519Signer.generate(), lambda: None, interval=-1)  # type: ignore[arg-type,return-value]


def test_govbiz_open_anchors_commits_when_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import govbiz

    generate_keypair(tmp_path / "cp.pem", tmp_path / "cp.pub.pem")
    monkeypatch.setenv("GOVBIZ_CHECKPOINT_KEY", str(tmp_path / "cp.pem"))
    monkeypatch.setenv("GOVBIZ_CHECKPOINT_EVERY", "0")
    ledger = govbiz.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    build_world(ledger)
    assert len(ledger.store.checkpoints().all()) > 5
    ledger.close()
    monkeypatch.setenv("GOVBIZ_CHECKPOINT_EVERY", "soon")
    with pytest.raises(ValueError, match="expected seconds"):
        govbiz.open(f"sqlite:///{tmp_path / 'ledger.db'}")
