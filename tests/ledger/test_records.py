"""Personal data, atomicity, concurrency and time zones."""

from __future__ import annotations

from datetime import datetime

import attrs
import pytest

from govbiz import commands as c
from govbiz.clock import ManualClock
from govbiz.domain import Contact, Enterprise
from govbiz.domain.lifecycle import Action
from govbiz.domain.problem import apply, decide
from govbiz.errors import ConcurrencyError, ValidationError
from tests.conftest import World


def test_contact_details_are_masked_in_repr(world: World) -> None:
    shown: Enterprise = world.ledger.record(world.viewer, "enterprise", world.enterprise_id)
    assert shown.contacts == () and shown.contacts_seal.startswith("sha256:")  # a query withholds them
    revealed = world.ledger.handle(world.collector, c.RevealContacts(enterprise_id=shown.id, reason="回访"))
    [contact] = revealed
    assert contact.name == "施奕清" and contact.phone == "13812345678"  # a recorded reveal shows them
    enterprise = attrs.evolve(shown, contacts=revealed)
    text = repr(enterprise)
    assert "施奕清" not in text and "13812345678" not in text
    assert "施**" in text and "138****5678" in text


def test_contact_masking_rules() -> None:
    contact = Contact(name="欧阳娜娜", phone="0744-8221234")
    assert contact.masked() == {"name": "欧***", "phone": "074*****1234", "position": ""}
    with pytest.raises(ValidationError) as info:
        Contact(name="张三", phone="138-abc")
    assert info.value.field == "phone"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        ManualClock(datetime(2025, 3, 31, 10, 0))
    with pytest.raises(ValidationError) as info:
        c.CollectProblem(
            enterprise_id="x", title="t", category="融资", source="恳谈会", collected_at=datetime(2025, 1, 1)
        )
    assert info.value.field == "collected_at"


def test_validation_reports_every_bad_field(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        c.CollectProblem(enterprise_id="", title="", category="融资", source="恳谈会", surprise=1)
    fields = {e["field"] for e in info.value.errors}
    assert fields == {"enterprise_id", "title", "surprise"}


def test_a_stale_write_fails_instead_of_overwriting(world: World) -> None:
    problem = world.collect()
    # Two clerks decide on the same version; the second commit must be refused.
    first = decide(problem, Action.TRIAGE, world.collector, world.clock.now(), {"note": "甲"})
    second = decide(problem, Action.TRIAGE, world.collector, world.clock.now(), {"note": "乙"})
    with world.ledger.store.unit_of_work() as uow:
        uow.save_problem(apply(problem, first), first)
        uow.commit()
    with world.ledger.store.unit_of_work() as uow:
        uow.save_problem(apply(problem, second), second)
        with pytest.raises(ConcurrencyError, match="expected version 1") as info:
            uow.commit()
    assert info.value.actual == 2
    stored = world.ledger.problem(world.viewer, problem.id)
    assert stored.note == "甲"
    assert len(world.ledger.history(world.viewer, problem.id)) == 2


def test_a_failing_command_stores_nothing_even_after_partial_work(world: World) -> None:
    before = len(world.ledger.records(world.viewer, "enterprise"))
    with pytest.raises(ValidationError):
        world.ledger.handle(
            world.admin,
            c.RegisterEnterprise(county="430800", name="坏代码", credit_code="91430800MA4L123450"),
        )
    assert len(world.ledger.records(world.viewer, "enterprise")) == before
    with world.ledger.store.unit_of_work() as uow:
        assert [e.stream for e in uow.events() if e.kind == "enterprise_registered"].count(
            "enterprise"
        ) == before


def test_subscribers_hear_committed_events_and_cannot_undo_them(world: World) -> None:
    heard: list[str] = []

    def listener(events: object) -> None:
        heard.extend(e.kind for e in events)  # type: ignore[attr-defined]
        raise RuntimeError("a broken notification channel")

    world.ledger.subscribe(listener)
    problem = world.collect()
    assert heard == ["collect"]
    assert world.ledger.problem(world.viewer, problem.id).version == 1
