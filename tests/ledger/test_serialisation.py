"""Records: JSON out, JSON Schema, and personal data masked unless revealed."""

from __future__ import annotations

import json

import attrs
import pytest

from govbiz import commands as c
from govbiz.errors import ValidationError
from govbiz.records import EventRecord, ProblemRecord, to_record
from tests.conftest import World


def test_a_problem_round_trips_through_json(world: World) -> None:
    problem = world.signed()
    record = to_record(problem)
    assert isinstance(record, ProblemRecord)
    text = record.model_dump_json()
    again = ProblemRecord.model_validate_json(text)
    assert again == record
    data = json.loads(text)
    assert data["state"] == "signed"
    assert data["title"] == "新厂五通一平施工保障"
    assert data["assignment"]["deadlines"][1] == {
        "clock": "progress",
        "start": "2025-03-31T10:00:00+08:00",
        "last_day": "2025-04-10",
        "cutoff": "2025-04-11T00:00:00+08:00",
        "basis": "7个工作日",
        "provisional": False,
        "provisional_years": [],
    }


def test_personal_data_is_masked_unless_revealed(world: World) -> None:
    shown = world.ledger.record(world.viewer, "enterprise", world.enterprise_id)
    assert to_record(shown, reveal_personal_data=True).model_dump()["contacts"] == ()  # withheld
    contacts = world.ledger.handle(world.collector, c.RevealContacts(enterprise_id=shown.id, reason="回访"))
    enterprise = attrs.evolve(shown, contacts=contacts)
    masked = to_record(enterprise).model_dump()
    assert masked["contacts"] == ({"name": "施**", "phone": "138****5678", "position": "副总经理"},)
    revealed = to_record(enterprise, reveal_personal_data=True).model_dump()
    assert revealed["contacts"][0]["phone"] == "13812345678"
    with world.ledger.store.unit_of_work() as uow:
        registered, reveal = uow.events("enterprise", world.enterprise_id)
    assert reveal.kind == "contacts_revealed" and reveal.actor_id == world.collector.id
    legacy = attrs.evolve(registered, payload={"contacts": [{"name": "施奕清", "phone": "13812345678"}]})
    event = to_record(legacy)
    assert isinstance(event, EventRecord)
    assert "13812345678" not in event.model_dump_json()
    assert "13812345678" in to_record(legacy, reveal_personal_data=True).model_dump_json()


def test_json_schemas_describe_commands_and_records() -> None:
    schema = c.AssignProblem.model_json_schema()
    assert schema["required"] == ["problem_id", "lead"]
    assert schema["properties"]["deadlines"]["additionalProperties"]["format"] == "date"
    assert ProblemRecord.model_json_schema()["properties"]["state"]["$ref"].endswith("ProblemState")


def test_commands_parse_json_with_govbiz_errors() -> None:
    body = '{"problem_id": "430800-2025-0001", "outcome": "solved", "text": " 已办结 "}'
    assert c.ReportResult.parse(body).text == "已办结"
    with pytest.raises(ValidationError) as info:
        c.ReportResult.parse('{"problem_id": "p", "outcome": "done", "text": "x"}')
    assert info.value.field == "outcome"
    assert info.value.value == "done"
    with pytest.raises(ValidationError, match="not valid JSON"):
        c.ReportResult.parse("{problem_id")
