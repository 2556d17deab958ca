"""Several processes on one SQLite file: conflicts are refused clearly, no update is lost.

The workers are separate processes (spawned, so nothing is shared but the
file).  To make conflicts certain rather than likely, a worker's unit of work
waits at a barrier just before it commits: all four have read the problem at
the same version and decided on it, then all four commit at once.  Exactly one
must win and three must get `ConcurrencyError`.  A second phase lets the
workers run freely with retries; afterwards every accepted command is in the
event log exactly once and each problem equals the replay of its events.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from govbiz import commands as c
from govbiz.audit import verify
from govbiz.domain import Actor, Role, replay
from govbiz.errors import ConcurrencyError
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery
from govbiz.storage.sql import migrate
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.testing.contention import BarrierStore
from tests.conftest import build_world

WORKERS = 4
ROUNDS = 6
FREE_COMMANDS = 25
SPAWN = multiprocessing.get_context("spawn")  # nothing inherited: each worker opens the file itself


def _worker(name: str, job: tuple[str, str, list[str]], barrier: Any, results: Any) -> None:
    url, contested, free = job
    try:
        store = open_sqlite(url)
        supervisor = Actor(id=f"dcs-{name}", role=Role.SUPERVISOR, county="430800")
        outcomes: list[tuple[str, ...]] = []
        contending = Ledger(BarrierStore(store, barrier))
        for _ in range(ROUNDS):
            try:
                done = contending.handle(supervisor, c.SendReminder(problem_id=contested, note=name))
                outcomes.append(("won", contested, str(done.version)))
            except ConcurrencyError as error:
                outcomes.append(("conflict", contested, str(error.expected), str(error.actual)))
        free_running = Ledger(store)
        for n in range(FREE_COMMANDS):
            problem_id = free[n % len(free)]
            for _attempt in range(500):
                try:
                    free_running.handle(supervisor, c.SendReminder(problem_id=problem_id, note=f"{name}-{n}"))
                    outcomes.append(("accepted", problem_id, f"{name}-{n}"))
                    break
                except ConcurrencyError:
                    outcomes.append(("retried", problem_id))
        store.close()
        results.put((name, outcomes, None))
    except BaseException:
        results.put((name, [], traceback.format_exc()))


def _run(target: Any, args_of: Any, count: int) -> list[tuple[str, Any, str | None]]:
    results = SPAWN.Queue()
    processes = [SPAWN.Process(target=target, args=(*args_of(i), results)) for i in range(count)]
    for process in processes:
        process.start()
    collected = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    failures = [error for _, _, error in collected if error]
    assert failures == [], failures[0] if failures else ""
    return collected


def test_processes_sharing_a_file_never_lose_an_update(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_sqlite(url)
    world = build_world(Ledger(store))
    contested = world.signed("争议问题").id
    free = [world.signed(f"问题{n}").id for n in range(3)]
    with store.unit_of_work() as uow:
        start = {pid: uow.get_problem(pid) for pid in [contested, *free]}
    store.close()

    barrier = SPAWN.Barrier(WORKERS)
    collected = _run(_worker, lambda i: (f"w{i}", (url, contested, free), barrier), WORKERS)
    outcomes = [o for _, worker_outcomes, _ in collected for o in worker_outcomes]

    # Phase 1: in each round all four decided on the same version; exactly one won.
    won = [o for o in outcomes if o[0] == "won"]
    conflicts = [o for o in outcomes if o[0] == "conflict"]
    assert len(won) == ROUNDS
    assert len(conflicts) == ROUNDS * (WORKERS - 1)
    base = start[contested].version  # type: ignore[union-attr]
    assert sorted(int(o[2]) for o in won) == list(range(base + 1, base + ROUNDS + 1))
    # Each refusal says which version it expected and which it found.
    assert Counter((int(o[2]), int(o[3])) for o in conflicts) == {
        (v, v + 1): WORKERS - 1 for v in range(base, base + ROUNDS)
    }

    # Phase 2: every accepted command is stored exactly once; state equals the replay.
    accepted = Counter(o[1] for o in outcomes if o[0] == "accepted")
    assert sum(accepted.values()) == WORKERS * FREE_COMMANDS
    store = open_sqlite(url)
    with store.unit_of_work() as uow:
        for pid in free:
            problem = uow.get_problem(pid)
            events = uow.events("problem", pid)
            assert problem is not None
            assert problem.version == start[pid].version + accepted[pid]  # type: ignore[union-attr]
            assert len(problem.reminders) == accepted[pid]
            assert replay(events) == problem
            notes = sorted(e.payload["note"] for e in events if e.kind == "remind")
            assert notes == sorted(o[2] for o in outcomes if o[0] == "accepted" and o[1] == pid)
        contested_now = uow.get_problem(contested)
        assert contested_now is not None
        assert len(contested_now.reminders) == ROUNDS
        heads = {("problem", p.id): p.last_hash for p in uow.find_problems(ProblemQuery())}
        assert verify(uow.events(), heads=heads) == []
    store.close()


def _open_fresh(url: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        store = open_sqlite(url)
        with store.unit_of_work() as uow:
            number = uow.next_number("opened")
        store.close()
        results.put(("opener", number, None))
    except BaseException:
        results.put(("opener", None, traceback.format_exc()))


def test_processes_opening_a_new_file_at_once_create_one_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    barrier = SPAWN.Barrier(2)
    collected = _run(_open_fresh, lambda i: (url, barrier), 2)
    assert sorted(number for _, number, _ in collected) == [1, 2]
    store = open_sqlite(url)
    with store.reading() as conn:
        assert migrate.current_revision(conn) == migrate.head()
    store.close()
