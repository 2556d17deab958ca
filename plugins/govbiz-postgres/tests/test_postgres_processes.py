"""Many processes on one PostgreSQL ledger: no lost update, clear refusals, commit-ordered log.

Four worker processes (spawned: nothing shared but the server) send
hundreds of reminders to the same few problems.  Phase one forces conflicts:
a worker's unit of work waits at a barrier just before committing, so all
four decided on the same version and exactly one may win.  Phase two runs
freely with *no* retries, so every command is either committed or refused
with `ConcurrencyError`.  Meanwhile a fifth process tails the event log by
position, the way a projection or an export does, and must never see a
position appear behind one it has already passed (events in commit order).
Afterwards every committed command is in the event log exactly once, each
problem equals the replay of its events, and the audit chain verifies.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections import Counter
from typing import Any

import sqlalchemy as sa
from govbiz_postgres import open_postgres

from govbiz import commands as c
from govbiz.audit import verify
from govbiz.domain import Actor, Role, replay
from govbiz.errors import ConcurrencyError
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery
from govbiz.storage.sql import schema as t
from govbiz.testing.contention import BarrierStore
from tests.conftest import build_world

WORKERS = 4
ROUNDS = 5
FREE_COMMANDS = 75  # per worker: 300 free-running commands on 3 problems
SPAWN = multiprocessing.get_context("spawn")


def _worker(name: str, job: tuple[str, str, list[str]], barrier: Any, results: Any) -> None:
    url, contested, free = job
    try:
        store = open_postgres(url, pool_size=1)
        supervisor = Actor(id=f"dcs-{name}", role=Role.SUPERVISOR, county="430800")
        outcomes: list[tuple[str, ...]] = []
        contending = Ledger(BarrierStore(store, barrier))
        for _ in range(ROUNDS):
            try:
                done = contending.handle(supervisor, c.SendReminder(problem_id=contested, note=name))
                outcomes.append(("won", contested, str(done.version)))
            except ConcurrencyError as error:
                outcomes.append(("conflict", contested, str(error.expected), str(error.actual), str(error)))
        ledger = Ledger(store)
        for n in range(FREE_COMMANDS):
            problem_id = free[n % len(free)]
            note = f"{name}-{n}"
            try:
                ledger.handle(supervisor, c.SendReminder(problem_id=problem_id, note=note))
                outcomes.append(("accepted", problem_id, note))
            except ConcurrencyError as error:
                outcomes.append(("refused", problem_id, note, str(error)))
        store.close()
        results.put((name, outcomes, None))
    except BaseException:
        results.put((name, [], traceback.format_exc()))


def _tail(url: str, stop: Any, results: Any) -> None:
    """Read the log by position as it grows; report positions that appeared behind the tail."""
    try:
        engine = open_postgres(url, pool_size=1).engine
        last, seen, late = 0, set(), []
        position = t.events.c.position
        while True:
            finished = stop.is_set()  # read once more after the writers are done
            with engine.connect() as conn:
                new = conn.execute(sa.select(position).where(position > last).order_by(position)).scalars()
                found = list(new)
                missed = conn.execute(
                    sa.select(position).where(position <= last, position.not_in(seen or {0}))
                ).scalars()
                late.extend(missed)
            seen.update(found)
            last = max(found, default=last)
            if finished:
                break
            time.sleep(0.002)
        engine.dispose()
        results.put(("tail", [("seen", len(seen)), *[("late", p) for p in late]], None))
    except BaseException:
        results.put(("tail", [], traceback.format_exc()))


def _run_workers_and_tail(url: str, contested: str, free: list[str]) -> list[tuple[str, Any, str | None]]:
    barrier, stop, results = SPAWN.Barrier(WORKERS), SPAWN.Event(), SPAWN.Queue()
    tail = SPAWN.Process(target=_tail, args=(url, stop, results))
    tail.start()
    workers = [
        SPAWN.Process(target=_worker, args=(f"w{i}", (url, contested, free), barrier, results))
        for i in range(WORKERS)
    ]
    for process in workers:
        process.start()
    collected = [results.get(timeout=300) for _ in workers]
    stop.set()
    collected.append(results.get(timeout=60))
    for process in [*workers, tail]:
        process.join(timeout=60)
        assert process.exitcode == 0
    failures = [error for _, _, error in collected if error]
    assert failures == [], failures[0] if failures else ""
    return collected


def test_processes_on_one_server_never_lose_an_update(pg_url: str) -> None:
    store = open_postgres(pg_url)
    world = build_world(Ledger(store))
    contested = world.signed("争议问题").id
    free = [world.signed(f"问题{n}").id for n in range(3)]
    with store.unit_of_work() as uow:
        start = {pid: uow.get_problem(pid) for pid in [contested, *free]}

    collected = _run_workers_and_tail(pg_url, contested, free)
    outcomes = [o for name, got, _ in collected if name != "tail" for o in got]

    # Phase 1: in each round all four decided on the same version; exactly one won.
    won = [o for o in outcomes if o[0] == "won"]
    conflicts = [o for o in outcomes if o[0] == "conflict"]
    assert len(won) == ROUNDS
    assert len(conflicts) == ROUNDS * (WORKERS - 1)
    base = start[contested].version  # type: ignore[union-attr]
    assert sorted(int(o[2]) for o in won) == list(range(base + 1, base + ROUNDS + 1))
    assert Counter((int(o[2]), int(o[3])) for o in conflicts) == {
        (v, v + 1): WORKERS - 1 for v in range(base, base + ROUNDS)
    }
    assert all(contested in o[4] for o in conflicts)  # the refusal names the problem

    # Phase 2: each command was committed or clearly refused, and many were refused.
    accepted = [o for o in outcomes if o[0] == "accepted"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(accepted) + len(refused) == WORKERS * FREE_COMMANDS
    assert refused, "four processes on three problems must have collided"
    assert all(o[1] in o[3] for o in refused)

    with store.unit_of_work() as uow:
        for pid in free:
            problem = uow.get_problem(pid)
            events = uow.events("problem", pid)
            assert problem is not None
            mine = sorted(o[2] for o in accepted if o[1] == pid)
            assert problem.version == start[pid].version + len(mine)  # type: ignore[union-attr]
            assert sorted(e.payload["note"] for e in events if e.kind == "remind") == mine
            assert replay(events) == problem
        contested_now = uow.get_problem(contested)
        assert contested_now is not None
        assert len(contested_now.reminders) == ROUNDS
        assert replay(uow.events("problem", contested)) == contested_now
        everything = uow.events()
        heads = {("problem", p.id): p.last_hash for p in uow.find_problems(ProblemQuery())}
        assert verify(everything, heads=heads) == []

    # The tail saw every event, none of them behind a position it had already read.
    tail_report = next(got for name, got, _ in collected if name == "tail")
    assert [o for o in tail_report if o[0] == "late"] == []
    assert dict(tail_report)["seen"] == len(everything)
    store.close()
