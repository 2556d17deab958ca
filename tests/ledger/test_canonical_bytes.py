"""The audit hash's canonical bytes: orjson writes them only where they equal `json.dumps`'s.

Every stored chain was hashed over the `json.dumps` form (`govbiz.audit.json_bytes`).
`tests/conftest.py` checks the two forms agree for every event the tests seal or
verify; these tests add the simulation's year and values chosen to differ.
"""

from __future__ import annotations

import decimal
import enum
import sys
from datetime import UTC, date, datetime
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from govbiz.audit import canonical_body, canonical_bytes, json_bytes
from govbiz.domain import DomainEvent
from govbiz.simulation import SimulationRun
from tests.simulation.conftest import simulate

EVENT = DomainEvent(
    stream="problem", stream_id="430802-P0001", version=1, kind="reported", county="430802",
    occurred_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), actor_id="clerk", actor_role="clerk",
    actor_department=None, state_before=None, state_after="reported", payload={},
)  # fmt: skip


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Text(str):
    def __str__(self) -> str:
        return "other"


def same(payload: Any) -> None:
    event = attrs.evolve(EVENT, payload={"value": payload})
    for prev_hash in (None, "sha256:00"):
        assert canonical_bytes(event, prev_hash=prev_hash) == json_bytes(
            canonical_body(event, prev_hash=prev_hash)
        )


def test_every_event_of_a_simulated_year_is_written_as_json_dumps_wrote_it() -> None:
    run: SimulationRun = simulate()
    with run.ledger.store.unit_of_work() as uow:
        events = uow.events()
    assert len(events) > 500
    for event in events:
        assert canonical_bytes(event) == json_bytes(canonical_body(event))


def test_values_orjson_writes_differently_keep_to_json_dumps() -> None:
    for value in [
        1e-05, 1e16, float("nan"), float("inf"), -0.0, 0.1, 2**64, -(2**63) - 1, 2**63,
        Colour.RED, Level.HIGH, Text("text"), date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5),
        decimal.Decimal("1.10"), {1: "a"}, {"b": [{"z": 1e-7, "a": Colour.RED}], "a": ()}, b"bytes",
        {"k": "\u2028\u2029\x00\x1f\x7f\"\\/\ud7ff\ue000\U0010ffff 中文"}, {chr(0x10000): 1, "\uffff": 2},
        (1, [2, (3,)]), sys.maxsize,
    ]:  # fmt: skip
        same(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)


@given(json_values)
def test_any_json_value_is_written_as_json_dumps_wrote_it(value: Any) -> None:
    same(value)
