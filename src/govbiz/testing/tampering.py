"""The insider attacks on a SQL ledger (内部人员篡改), as a suite every SQL store runs against itself.

Someone who can write the database, and knows `govbiz.audit.seal`, rewrites
history behind govbiz's back: a result and its whole chain recomputed, a
forged satisfied return visit, a problem deleted outright, a snapshot, a
`state` column, a clock's last day or a registry record edited.  Each test
makes the edit with plain SQL and checks that `govbiz verify`'s parts find
it: the derived-state check (`govbiz.reconcile`) without any key, the
signed checkpoints (`govbiz.checkpoint`) for what keeps the derived state
consistent.  Subclass `TamperingContract` with a `store` fixture (a fresh,
empty `govbiz.storage.sql.store.SQLStore`)::

    import pytest
    from govbiz.testing.tampering import TamperingContract

    class TestMyStoreAgainstInsiders(TamperingContract):
        @pytest.fixture
        def store(self): ...
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import attrs
import sqlalchemy as sa

from govbiz.audit import AuditFinding, Finding, seal, verify
from govbiz.builtin.ed25519 import Ed25519Signer
from govbiz.checkpoint import make_checkpoint, verify_checkpoints
from govbiz.domain.events import DomainEvent
from govbiz.domain.lifecycle import ProblemState
from govbiz.domain.problem import Problem, apply, replay
from govbiz.ports.storage import ProblemQuery, RecordKind
from govbiz.reconcile import reconcile_store
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.rows import clock_rows, department_rows, event_row, problem_row
from govbiz.storage.sql.store import SQLStore
from govbiz.testing.contract import CITY, CONTACT_KEYS, COUNTY, Scenario, build_scenario

__all__ = ["TamperingContract", "findings", "put_events", "put_problem"]


def findings(store: SQLStore, signer: Ed25519Signer | None = None) -> dict[str, list[AuditFinding]]:
    """What each part of `govbiz verify` finds on `store`: the chain, the derived state, the checkpoints."""
    with store.unit_of_work() as uow:
        events = uow.events()
        heads = {("problem", p.id): p.last_hash for p in uow.find_problems(ProblemQuery())}
        derived = reconcile_store(uow, events, contact_keys=CONTACT_KEYS)
        found = {"chain": verify(events, heads=heads), "derived": derived}
    if signer is not None:
        found["checkpoints"] = verify_checkpoints(store.checkpoints().all(), signer.verifier(), events)
    return found


def put_events(store: SQLStore, events: Sequence[DomainEvent]) -> None:
    """Overwrite (or add) `events` in the `events` table, as an insider would with SQL."""
    with store.writing() as conn:
        for event in events:
            row = event_row(event)
            key = (t.events.c.stream == event.stream, t.events.c.stream_id == event.stream_id)
            where = (*key, t.events.c.version == event.version)
            if conn.execute(sa.update(t.events).where(*where).values(row)).rowcount == 0:
                conn.execute(sa.insert(t.events), row)


def put_problem(store: SQLStore, problem: Problem) -> None:
    """Overwrite a problem's row, department and clock rows consistently with `problem`."""
    with store.writing() as conn:
        conn.execute(sa.update(t.problems).where(t.problems.c.id == problem.id).values(problem_row(problem)))
        for table, rows in ((t.problem_departments, department_rows), (t.problem_clocks, clock_rows)):
            conn.execute(sa.delete(table).where(table.c.problem_id == problem.id))
            if rows(problem):
                conn.execute(sa.insert(table), rows(problem))


def _stream(store: SQLStore, problem_id: str) -> list[DomainEvent]:
    with store.unit_of_work() as uow:
        return uow.events("problem", problem_id)


def _kinds(found: Sequence[AuditFinding]) -> set[Finding]:
    return {f.finding for f in found}


class TamperingContract:
    """Insider edits made with SQL, each found by `govbiz verify`; needs a `store` fixture (a `SQLStore`)."""

    def _ledger(self, store: SQLStore) -> tuple[Scenario, Ed25519Signer]:
        scenario = build_scenario(store)
        signer = Ed25519Signer.generate()
        make_checkpoint(_all_events(store), store.checkpoints(), signer, scenario.clock.now())
        assert findings(store, signer) == {"chain": [], "derived": [], "checkpoints": []}
        return scenario, signer

    def test_a_result_rewritten_with_its_chain_recomputed_is_found(self, store: SQLStore) -> None:
        scenario, signer = self._ledger(store)
        target = scenario.problems["closed"]
        events = _stream(store, target.id)
        at = next(i for i, e in enumerate(events) if e.kind == "report_result")
        forged = [*events[:at]]
        for event in events[at:]:  # what the attacker did: edit, then seal every event after
            rewrite = event.kind == "report_result"
            edited = {**event.payload, "text": "已全部解决（改）"} if rewrite else event.payload
            forged.append(seal(attrs.evolve(event, payload=edited), forged[-1].hash))
        put_events(store, forged)
        put_problem(store, replay(forged))
        found = findings(store, signer)
        assert found["chain"] == []  # the chain and the derived state agree: a clean forgery
        assert found["derived"] == []
        [rewritten] = found["checkpoints"]
        assert (rewritten.stream_id, rewritten.finding) == (target.id, Finding.HEAD_REWRITTEN)

    def test_a_forged_satisfied_return_visit_is_found(self, store: SQLStore) -> None:
        scenario, signer = self._ledger(store)
        template = next(e for e in _stream(store, scenario.problems["closed"].id) if e.kind == "return_visit")
        target = scenario.problems["in_progress"]
        with store.unit_of_work() as uow:
            stored = uow.get_problem(target.id)
        assert stored is not None
        assert stored.state is ProblemState.IN_PROGRESS
        forged = seal(
            attrs.evolve(
                template,
                stream_id=stored.id,
                version=stored.version + 1,
                county=stored.county,
                state_before=stored.state.value,
                occurred_at=template.occurred_at,  # dated when the real visits were, before the checkpoint
            ),
            stored.last_hash,
        )
        put_events(store, [forged])
        found = findings(store, signer)  # with the snapshot left as it was
        assert _kinds(found["derived"]) == {Finding.SNAPSHOT_DIFFERS, Finding.INDEX_DIFFERS}
        put_problem(store, apply(stored, forged))  # the careful forger updates the snapshot too
        found = findings(store, signer)
        assert found["chain"] == []
        assert found["derived"] == []
        [backdated] = found["checkpoints"]
        assert (backdated.stream_id, backdated.finding) == (target.id, Finding.BACKDATED)

    def test_a_deleted_problem_is_found(self, store: SQLStore) -> None:
        scenario, signer = self._ledger(store)
        gone = scenario.problems["extended"].id
        with store.writing() as conn:
            conn.execute(sa.delete(t.events).where(t.events.c.stream_id == gone))
            for table in (t.problem_clocks, t.problem_departments):
                conn.execute(sa.delete(table).where(table.c.problem_id == gone))
            conn.execute(sa.delete(t.problems).where(t.problems.c.id == gone))
        found = findings(store, signer)
        assert found["chain"] == []
        assert found["derived"] == []
        [deleted] = found["checkpoints"]
        assert (deleted.stream_id, deleted.finding) == (gone, Finding.STREAM_GONE)

    def test_events_deleted_under_a_stored_problem_are_found_without_a_key(self, store: SQLStore) -> None:
        scenario, _ = self._ledger(store)
        pid = scenario.problems["extended"].id
        with store.writing() as conn:
            conn.execute(sa.delete(t.events).where(t.events.c.stream_id == pid))
        [orphan] = findings(store)["derived"]
        assert (orphan.stream_id, orphan.finding) == (pid, Finding.NO_EVENTS)

    def test_an_edited_snapshot_is_found_without_a_key(self, store: SQLStore) -> None:
        scenario, _ = self._ledger(store)
        pid = scenario.problems["closed"].id
        self._edit_problem(store, pid, lambda data: {**data, "title": "改过的标题"})
        [edited] = findings(store)["derived"]
        assert (edited.stream_id, edited.finding) == (pid, Finding.SNAPSHOT_DIFFERS)
        assert "title" in edited.detail

    def test_an_edited_state_column_is_found_without_a_key(self, store: SQLStore) -> None:
        scenario, _ = self._ledger(store)
        pid = scenario.problems["in_progress"].id
        with store.writing() as conn:
            conn.execute(sa.update(t.problems).where(t.problems.c.id == pid).values(state="closed"))
        [edited] = findings(store)["derived"]
        assert (edited.stream_id, edited.finding) == (pid, Finding.INDEX_DIFFERS)
        assert "state" in edited.detail

    def test_an_edited_clock_last_day_is_found_without_a_key(self, store: SQLStore) -> None:
        scenario, _ = self._ledger(store)
        pid = scenario.problems["in_progress"].id
        with store.writing() as conn:
            clocks = t.problem_clocks
            query = sa.select(clocks.c.last_day).where(clocks.c.problem_id == pid)
            [last_day] = conn.execute(query).scalars()
            later = last_day + timedelta(days=30)  # the reminders and the metrics would see no delay
            conn.execute(sa.update(clocks).where(clocks.c.problem_id == pid).values(last_day=later))
        [edited] = findings(store)["derived"]
        assert (edited.stream_id, edited.finding) == (pid, Finding.INDEX_DIFFERS)
        assert "clocks" in edited.detail

    def test_an_edited_registry_record_is_found_without_a_key(self, store: SQLStore) -> None:
        scenario, _ = self._ledger(store)
        key = next(k for kind, k in scenario.records if kind is RecordKind.ENTERPRISE)
        records = t.records
        where = (records.c.kind == "enterprise", records.c.key == key)
        with store.writing() as conn:
            data = conn.execute(sa.select(records.c.data).where(*where)).scalar_one()
            conn.execute(sa.update(records).where(*where).values(data={**data, "name": "另一家公司"}))
        [edited] = findings(store)["derived"]
        assert (edited.stream_id, edited.finding) == (key, Finding.RECORD_DIFFERS)
        assert "name" in edited.detail

    def test_an_edited_registry_event_is_found(self, store: SQLStore) -> None:
        scenario, signer = self._ledger(store)
        key = next(k for kind, k in scenario.records if kind is RecordKind.ENTERPRISE)
        with store.unit_of_work() as uow:
            [registered] = uow.events("enterprise", key)
        forged = seal(attrs.evolve(registered, payload={**registered.payload, "name": "另一家公司"}), "")
        put_events(store, [forged])
        found = findings(store, signer)
        assert found["chain"] == []  # resealed
        assert _kinds(found["derived"]) == {Finding.RECORD_DIFFERS}
        assert _kinds(found["checkpoints"]) == {Finding.HEAD_REWRITTEN}

    # --- personal data at rest (个人信息加密存储) ----------------------------------------------

    def test_no_contact_is_in_the_database_in_clear(self, store: SQLStore) -> None:
        self._ledger(store)
        with store.reading() as conn:
            text = " ".join(
                str(row) for table in (t.records, t.events) for row in conn.execute(sa.select(table))
            )
        assert "张家界久瑞生物科技有限公司" in text  # what is no personal data is there
        assert "施奕清" not in text
        assert "13812345678" not in text

    def test_a_sealed_contact_moved_or_edited_is_found(self, store: SQLStore) -> None:
        self._ledger(store)
        city, county = f"{CITY}-E00001", f"{COUNTY}-E00001"
        sealed = self._record(store, city)["sealed_contacts"]
        # Another enterprise given the first one's ciphertext and digest: bound to its id, it does not open.
        self._edit_record(store, county, lambda d: {**d, "sealed_contacts": sealed})
        tail = "AAAA" if sealed["data"][-4:] != "AAAA" else "BBBB"
        edited = {**sealed, "data": sealed["data"][:-4] + tail}  # the tag changed: it does not open
        self._edit_record(store, city, lambda d: {**d, "sealed_contacts": edited})
        found = {f.stream_id: f for f in findings(store)["derived"]}
        assert set(found) == {city, county}
        assert {f.finding for f in found.values()} == {Finding.RECORD_DIFFERS}
        assert "does not open" in found[city].detail

    def test_contacts_rewritten_in_clear_or_deleted_without_a_purge_are_found(self, store: SQLStore) -> None:
        self._ledger(store)
        city = f"{CITY}-E00001"
        # The phone number changed, so that the messages go elsewhere.
        forged = [{"name": "施奕清", "phone": "13900000000", "position": "副总经理"}]
        self._edit_record(store, city, lambda d: {**d, "sealed_contacts": None, "contacts": forged})
        [rewritten] = findings(store)["derived"]
        assert (rewritten.stream_id, rewritten.finding) == (city, Finding.RECORD_DIFFERS)
        assert "digest" in rewritten.detail
        self._edit_record(store, city, lambda d: {**d, "sealed_contacts": None, "contacts": []})
        [deleted] = findings(store)["derived"]
        assert "without a purge" in deleted.detail

    def _record(self, store: SQLStore, key: str) -> dict[str, Any]:
        where = (t.records.c.kind == "enterprise", t.records.c.key == key)
        with store.reading() as conn:
            return dict(conn.execute(sa.select(t.records.c.data).where(*where)).scalar_one())

    def _edit_record(self, store: SQLStore, key: str, change: Any) -> None:
        where = (t.records.c.kind == "enterprise", t.records.c.key == key)
        with store.writing() as conn:
            data = conn.execute(sa.select(t.records.c.data).where(*where)).scalar_one()
            conn.execute(sa.update(t.records).where(*where).values(data=change(data)))
        store.registry.forget(RecordKind.ENTERPRISE, key)

    def _edit_problem(self, store: SQLStore, pid: str, change: Any) -> None:
        with store.writing() as conn:
            data = conn.execute(sa.select(t.problems.c.data).where(t.problems.c.id == pid)).scalar_one()
            conn.execute(sa.update(t.problems).where(t.problems.c.id == pid).values(data=change(data)))


def _all_events(store: SQLStore) -> list[DomainEvent]:
    with store.unit_of_work() as uow:
        return uow.events()

