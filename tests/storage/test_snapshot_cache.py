"""A problem's snapshot is decoded once per version and process; a newer version is always read."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from govbiz import commands as c
from govbiz.ledger import Ledger
from govbiz.storage import codec
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SnapshotCache, SQLStore
from tests.conftest import build_world


def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the problems whose snapshots are decoded from now on."""
    seen: list[str] = []
    decode = codec.decode_problem

    def counting(data: object) -> object:
        problem = decode(data)  # type: ignore[arg-type]
        seen.append(problem.id)
        return problem

    monkeypatch.setattr(codec, "decode_problem", counting)
    return seen


def test_the_version_this_process_committed_is_not_decoded_again(
    store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(Ledger(store))
    assigned = world.assigned()
    seen = decodes(monkeypatch)
    with store.unit_of_work() as uow:
        assert uow.get_problem(assigned.id) is assigned  # the committed object itself
    assert seen == []


def test_a_version_written_by_another_process_is_read_and_decoded(
    store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(Ledger(store))
    assigned = world.assigned()
    other = open_sqlite(str(store.engine.url))  # another process's store on the same file
    signed = Ledger(other, clock=world.clock).handle(world.zgj, c.SignAssignment(problem_id=assigned.id))
    other.close()
    seen = decodes(monkeypatch)
    with store.unit_of_work() as uow:
        found = uow.get_problem(assigned.id)
    assert found == signed
    assert found is not None and found.version == assigned.version + 1
    assert seen == [assigned.id]
    with store.unit_of_work() as uow:  # and now that version is known
        assert uow.get_problem(assigned.id) is found
    assert seen == [assigned.id]


def test_the_cache_keeps_the_most_recently_seen(store: SQLStore) -> None:
    world = build_world(Ledger(store))
    first, second, third = (world.collect(f"问题{n}") for n in range(3))
    cache = SnapshotCache(limit=2)
    for problem in (first, second, first, third):  # `first` seen again: `second` is now the oldest
        cache.put(problem)
    assert cache.get(second.id) is None
    assert cache.get(first.id) is first
    assert cache.get(third.id) is third


def test_each_stored_snapshot_is_the_whole_problem_though_encoded_from_the_last(store: SQLStore) -> None:
    world = build_world(Ledger(store))
    problem = world.signed()
    steps = [
        (world.zgj, c.ReportProgress(problem_id=problem.id, text="正在推进")),
        (world.zgj, c.ReportProgress(problem_id=problem.id, text="已完成一半")),
        (world.zgj, c.ReportResult(problem_id=problem.id, outcome="solved", text="已办结")),
        (world.collector, c.RecordReturnVisit(problem_id=problem.id, satisfied=True)),
    ]
    for actor, command in steps:
        known = store.snapshots.encoded(problem.id)
        assert known is not None and known[0] is problem  # what the next snapshot starts from
        problem = world.ledger.handle(actor, command)
        with store.reading() as conn:
            stored = conn.execute(sa.select(t.problems.c.data).where(t.problems.c.id == problem.id)).scalar()
        assert stored == json.loads(json.dumps(codec.encode_problem(problem), ensure_ascii=False))
        assert codec.decode_problem(stored) == problem
