"""Typed event payloads (`govbiz.domain.payloads`) and read-only payloads once recorded."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date

import pytest

from govbiz import commands as c
from govbiz.audit import verify
from govbiz.domain.events import EVENT_FIELDS, DomainEvent, FrozenDict, freeze, thaw
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import PAYLOADS, Assigned, ResultReported, payload_of
from govbiz.domain.problem import decide
from govbiz.records import EventRecord
from tests.conftest import World


def test_every_problem_action_has_one_payload_class() -> None:
    assert set(PAYLOADS) == set(Action)
    for action, cls in PAYLOADS.items():
        assert action in cls.actions


def test_a_recorded_payload_cannot_be_changed_in_place(world: World) -> None:
    problem = world.assigned()
    [event] = [e for e in world.ledger.history(world.viewer, problem.id) if e.kind == "assign"]
    with pytest.raises(TypeError, match="read-only"):
        event.payload["lead"] = "430800-zjj"  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        event.payload["deadlines"][0]["last_day"] = "2099-01-01"
    with pytest.raises(TypeError, match="read-only"):
        event.payload["co_handlers"].append("430800-xcb")
    assert verify(world.ledger.history(world.viewer, problem.id)) == []


def test_frozen_json_reads_as_json_and_copies_thaw() -> None:
    frozen = freeze({"a": [1, {"b": (2, 3)}]})
    assert frozen == {"a": [1, {"b": [2, 3]}]}
    assert json.dumps(frozen) == '{"a": [1, {"b": [2, 3]}]}'
    assert isinstance(pickle.loads(pickle.dumps(frozen)), FrozenDict)
    assert copy.deepcopy(frozen) == frozen
    plain = thaw(frozen)
    plain["a"].append(4)  # a thawed copy is an ordinary dict
    assert frozen["a"] == [1, {"b": [2, 3]}]


def test_the_typed_payload_is_what_the_event_stores(world: World) -> None:
    problem = world.assigned()
    event = world.ledger.history(world.viewer, problem.id)[-1]
    data = payload_of(event)
    assert isinstance(data, Assigned)
    assert data.lead == "430800-zgj" and data.co_handlers == ("430800-zjj",)
    # The co-handler's reply clock (协办) comes with an assignment that has co-handlers.
    assert [d.clock for d in data.deadlines] == ["sign", "progress", "result", "co_handling"]
    assert data.to_json() == event.payload


def test_a_long_term_result_keeps_its_old_form_without_deadlines() -> None:
    data = ResultReported.from_json({"outcome": "long_term", "text": "分期推进"})
    assert data.deadlines is None
    assert data.to_json() == {"outcome": "long_term", "text": "分期推进"}


def test_a_payload_with_a_key_its_action_does_not_know_is_refused(world: World) -> None:
    problem = world.collect()
    with pytest.raises(ValueError, match="triage payload has no field 'categroy'"):
        decide(problem, Action.TRIAGE, world.collector, world.clock.now(), {"categroy": "土地规划"})


def test_event_fields_are_declared_once(world: World) -> None:
    problem = world.signed()
    event = world.ledger.history(world.viewer, problem.id)[-1]
    assert tuple(event.fields()) == EVENT_FIELDS
    assert tuple(EventRecord.model_fields) == EVENT_FIELDS
    assert DomainEvent(**event.fields()) == event


def test_an_extension_request_carries_a_date(world: World) -> None:
    problem = world.signed()
    world.later(days=1)
    ask = c.RequestExtension(problem_id=problem.id, clock="result", new_last_day="2025-06-30", reason="待批")
    asked = world.ledger.handle(world.zgj, ask)
    data = payload_of(world.ledger.history(world.viewer, asked.id)[-1])
    assert data.new_last_day == date(2025, 6, 30)  # type: ignore[attr-defined]
