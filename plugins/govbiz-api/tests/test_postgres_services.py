"""Two `govbiz serve` and two `govbiz worker` processes on one PostgreSQL ledger (多进程部署).

Clients assign 40 problems through both servers at once, eight requests in
flight; the assignments queue the departments' notices (交办通知) in their
commits, and the two workers, woken by LISTEN/NOTIFY, deliver them to the
console.  Nothing is lost: every command is answered 200 and is in the
ledger once; every notice in the outbox is sent, and printed by exactly one
worker exactly once.  Each of the four processes stops on SIGTERM and
exits 0.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from api_test_server import serve_ready, start_serve
from govbiz_api.tables import ApiDatabase
from govbiz_api.tokens import TokenStore
from govbiz_postgres import open_postgres

from govbiz import commands as c
from govbiz.ledger import Ledger
from govbiz.ports.outbox import OutboxStatus
from govbiz.testing.processes import GovbizProcess, start_govbiz, wait_until
from tests.conftest import build_world

PROBLEMS = 40


def _outbox(url: str) -> dict[OutboxStatus, int]:
    store = open_postgres(url, pool_size=1)
    try:
        stats = store.outbox().stats(datetime.now(UTC))
        return {status: stats.count(status) for status in OutboxStatus}
    finally:
        store.close()


def _scheduled_problems(url: str) -> tuple[list[str], str]:
    """`PROBLEMS` problems on the agenda, ready for the chair to assign; and the chair's token."""
    store = open_postgres(url)
    world = build_world(Ledger(store))
    ids = []
    for n in range(PROBLEMS):
        problem = world.collect(title=f"多进程问题{n:03d}")
        world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
        world.ledger.handle(
            world.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=world.session_id)
        )
        ids.append(problem.id)
    token = TokenStore(ApiDatabase(store)).create(world.chair, now=datetime.now(UTC)).text
    store.close()
    return ids, token


def test_two_servers_and_two_workers_lose_nothing_and_send_each_notice_once(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "GOVBIZ_CONTACTS_IN_CLEAR", "1"
    )  # the processes inherit it: contacts are not the point
    ids, token = _scheduled_problems(pg_url)
    processes: list[GovbizProcess] = []
    try:
        worker_args = ["--sweep-at", "never", "--poll", "30", "--batch", "5"]  # woken by NOTIFY, not the poll
        for name in ("worker-1", "worker-2"):  # all four start side by side
            processes.append(start_govbiz(["worker", "--db", pg_url, *worker_args], tmp_path, name))
        servers = [start_serve(pg_url, tmp_path, name, wait=False) for name in ("serve-1", "serve-2")]
        processes.extend(server for server, _ in servers)
        bases = [base for _, base in servers]
        for worker in processes[:2]:
            worker.wait_ready("worker started", within=120)
        for server, base in servers:
            serve_ready(server, base)

        def assign(n: int) -> tuple[int, str]:
            body = {"problem_id": ids[n], "lead": "430800-zgj", "co_handlers": ["430800-zjj"]}
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"assign-{n}"}
            answer = httpx.post(
                f"{bases[n % 2]}/v1/commands/AssignProblem", json=body, headers=headers, timeout=60
            )
            return answer.status_code, answer.text

        with ThreadPoolExecutor(8) as pool:
            answered = list(pool.map(assign, range(PROBLEMS)))
        assert [status for status, _ in answered] == [200] * PROBLEMS, [t for s, t in answered if s != 200][
            :3
        ]
        wait_until(lambda: _outbox(pg_url)[OutboxStatus.PENDING] == 0, 60, "every notice delivered")
    finally:
        codes = [process.stop() for process in processes]
    logs = {p.name: p.stderr()[-2000:] for p in processes}
    assert codes == [0, 0, 0, 0], logs

    store = open_postgres(pg_url)
    try:
        sent = store.outbox().entries(OutboxStatus.SENT, limit=10 * PROBLEMS)
        with store.unit_of_work() as uow:
            assigns = [e for pid in ids for e in uow.events("problem", pid) if e.kind == "assign"]
    finally:
        store.close()
    assert sorted(e.stream_id for e in assigns) == sorted(ids)  # every command in the ledger, once
    assert _outbox(pg_url) == {**dict.fromkeys(OutboxStatus, 0), OutboxStatus.SENT: len(sent)}
    assert len(sent) >= PROBLEMS  # each assignment notified at least its lead department
    expected = Counter(
        f"[通知 -> {', '.join(e.notification.recipients)}] {e.notification.subject}" for e in sent
    )
    printed = Counter(
        line
        for p in processes
        if p.name.startswith("worker")
        for line in p.stdout().splitlines()
        if line.startswith("[通知")
    )
    assert printed == expected  # each notice printed once, by one of the workers
    assert all(re.search(r"多进程问题\d{3}", line) for line in printed), list(printed)[:3]
    assert len(expected) == len(sent)  # the subjects tell the notices apart, so once means once
