"""Every payload a simulated year stores reads back through its typed class unchanged."""

from __future__ import annotations

from govbiz.domain.payloads import payload_of
from govbiz.simulation import SimulationRun


def test_every_stored_problem_payload_round_trips_through_its_class(zhangjiajie: SimulationRun) -> None:
    with zhangjiajie.ledger.store.unit_of_work() as uow:
        events = [e for e in uow.events() if e.stream == "problem"]
    assert len(events) > 500
    changed = [(e.stream_id, e.version, e.kind) for e in events if payload_of(e).to_json() != e.payload]
    assert changed == []
    kinds = {e.kind for e in events}
    assert {"collect", "assign", "sign", "report_progress", "report_result", "return_visit"} <= kinds
