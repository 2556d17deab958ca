"""Benchmark: what HTTP adds, `govbiz serve` against the same Ledger calls made directly.

Run from the repository root::

    .venv/bin/python benchmarks/bench_api.py                  # SQLite file, 1/8/32 clients
    .venv/bin/python benchmarks/bench_api.py --postgres       # the PostgreSQL test server
    .venv/bin/python benchmarks/bench_api.py --quick          # fewer problems, rougher
    .venv/bin/python benchmarks/bench_api.py --postgres --clients 1 --chains 100  # one client, steadier

Two workloads, each with 1, 8 and 32 concurrent clients (threads), first as
direct `Ledger` calls in this process, then as HTTP requests to a
`govbiz serve` subprocess (one uvicorn process) on the same database:

* list: the first page of problems (`GET /v1/problems?limit=50` /
  `ledger.problems(viewer)[:50]`);
* chain: assign → sign → progress → result on problems of their own
  (`POST /v1/commands/...` / `ledger.handle`); one operation is one command.

Before timing, each side runs a few chains and listings untimed, so that
neither pays for a fresh process's first requests (imports, pydantic's and
SQLAlchemy's caches, the connection pool).  The direct calls and the HTTP
requests of a workload then run in five alternating chunks, so that the
machine's drift during a run falls on both alike.  It prints operations
per second and p50/p99 latency per operation, and the ratio of HTTP's p50
to the direct p50.  This is a benchmark, not a test:
nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' world builder

from govbiz_api.tables import ApiDatabase
from govbiz_api.tokens import TokenStore

from govbiz import commands as c
from govbiz.contact_keys import CLEAR_CONTACTS_ENV
from govbiz.domain.actors import Actor
from govbiz.ledger import Ledger
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import CITY, World, build_world

Operation = Callable[[], None]
#: Alternating chunks of each workload, direct then HTTP (see `alternating`).
ROUNDS = 5


def scheduled(world: World, count: int) -> list[str]:
    """`count` problems collected, triaged and scheduled: ready to be assigned."""
    ids = []
    for n in range(count):
        problem = world.collect(title=f"压测问题{n}")
        world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem.id))
        world.ledger.handle(
            world.secretariat, c.ScheduleProblem(problem_id=problem.id, session_id=world.session_id)
        )
        ids.append(problem.id)
    return ids


def chain_commands(world: World, problem_id: str) -> list[tuple[Actor, c.Command[Any]]]:
    return [
        (world.chair, c.AssignProblem(problem_id=problem_id, lead="430800-zgj")),
        (world.zgj, c.SignAssignment(problem_id=problem_id)),
        (world.zgj, c.ReportProgress(problem_id=problem_id, text="已现场踏勘，正在办理")),
        (world.zgj, c.ReportResult(problem_id=problem_id, outcome="solved", text="已办结")),
    ]


def run(clients: int, work: list[list[Operation]]) -> tuple[float, list[float]]:
    """Each client runs its own list of operations; the wall time and every operation's latency."""
    latencies: list[list[float]] = [[] for _ in range(clients)]

    def client(n: int) -> None:
        for operation in work[n]:
            start = time.perf_counter()
            operation()
            latencies[n].append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, [x for each in latencies for x in each]


def figures(name: str, clients: int, elapsed: float, latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "workload": name, "clients": clients, "ops": len(ordered), "per_second": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000, "p99": p99 * 1000,
    }  # fmt: skip


@contextmanager
def serving(db_url: str) -> Iterator[str]:
    """`govbiz serve` in a subprocess on `db_url`; its base URL."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "govbiz",
        "serve",
        "--db",
        db_url,
        "--port",
        str(port),
        "--log-level",
        "warning",
        # Far above what a run sends, but still counted: the count is part of what a request costs.
        "--token-rate",
        "1000000",
    ]
    server = subprocess.Popen(command)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def alternating(
    clients: int, direct: list[list[Operation]], http: list[list[Operation]], rounds: int = ROUNDS
) -> tuple[tuple[float, list[float]], tuple[float, list[float]]]:
    """Each client's direct and HTTP operations, run in `rounds` alternating chunks (direct, then HTTP).

    The machine's speed drifts within a run (this is a shared 2-core machine);
    alternating puts the drift on both sides alike, so their ratio holds.
    """
    times = {"direct": 0.0, "http": 0.0}
    latencies: dict[str, list[float]] = {"direct": [], "http": []}
    for r in range(rounds):
        for mode, work in (("direct", direct), ("http", http)):
            chunk = [ops[r * len(ops) // rounds : (r + 1) * len(ops) // rounds] for ops in work]
            elapsed, seen = run(clients, chunk)
            times[mode] += elapsed
            latencies[mode] += seen
    return (times["direct"], latencies["direct"]), (times["http"], latencies["http"])


#: Chains and listings each side runs untimed before the first measurement (see `warm_up`).
WARM_UP = 5


def warm_up(world: World, session: httpx.Client, text: dict[str, str]) -> None:
    """A few chains and listings on both sides, untimed: a fresh process's first requests cost more."""
    for n, problem_id in enumerate(scheduled(world, 2 * WARM_UP)):
        for actor, command in chain_commands(world, problem_id):
            if n % 2 == 0:
                world.ledger.handle(actor, command)
            else:
                path = f"/v1/commands/{type(command).__name__}"
                body = command.model_dump(mode="json", exclude_defaults=True)
                headers = {"Authorization": f"Bearer {text[actor.id]}"}
                session.post(path, json=body, headers=headers).raise_for_status()
    headers = {"Authorization": f"Bearer {text[world.viewer.id]}"}
    for _ in range(WARM_UP):
        world.ledger.problems(world.viewer, county=CITY)[:50]
        session.get("/v1/problems", params={"limit": 50}, headers=headers).raise_for_status()


def measure(world: World, db_url: str, per_client: int, concurrency: list[int]) -> list[dict[str, Any]]:
    ledger = world.ledger
    tokens = TokenStore(ApiDatabase(ledger.store))
    now = world.clock.now()
    text = {a.id: tokens.create(a, now=now).text for a in (world.chair, world.zgj, world.viewer)}
    rows = []
    problems = {clients: scheduled(world, clients * per_client * 2) for clients in concurrency}
    with serving(db_url) as base:
        with httpx.Client(base_url=base, timeout=60) as session:
            warm_up(world, session, text)
        for clients in concurrency:
            ids = problems[clients]
            direct_ids, http_ids = ids[: len(ids) // 2], ids[len(ids) // 2 :]
            sessions = [httpx.Client(base_url=base, timeout=60) for _ in range(clients)]

            def listing() -> None:
                ledger.problems(world.viewer, county=CITY)[:50]

            def http_list(session: httpx.Client) -> Operation:
                headers = {"Authorization": f"Bearer {text[world.viewer.id]}"}
                return lambda: session.get(
                    "/v1/problems", params={"limit": 50}, headers=headers
                ).raise_for_status()

            direct = [[listing] * (per_client * 4) for _ in range(clients)]
            http = [[http_list(sessions[n])] * (per_client * 4) for n in range(clients)]
            by_direct, by_http = alternating(clients, direct, http)
            rows.append({"mode": "direct", **figures("list", clients, *by_direct)})
            rows.append({"mode": "http", **figures("list", clients, *by_http)})

            def direct_op(actor: Actor, command: c.Command[Any]) -> Operation:
                return lambda: ledger.handle(actor, command) and None

            def http_op(session: httpx.Client, actor: Actor, command: c.Command[Any]) -> Operation:
                path = f"/v1/commands/{type(command).__name__}"
                body = command.model_dump(mode="json", exclude_defaults=True)
                headers = {"Authorization": f"Bearer {text[actor.id]}"}
                return lambda: session.post(path, json=body, headers=headers).raise_for_status()

            mine = [direct_ids[n * per_client : (n + 1) * per_client] for n in range(clients)]
            direct = [[direct_op(a, cmd) for p in own for a, cmd in chain_commands(world, p)] for own in mine]
            mine = [http_ids[n * per_client : (n + 1) * per_client] for n in range(clients)]
            http = [
                [http_op(sessions[n], a, cmd) for p in mine[n] for a, cmd in chain_commands(world, p)]
                for n in range(clients)
            ]
            by_direct, by_http = alternating(clients, direct, http)
            rows.append({"mode": "direct", **figures("chain", clients, *by_direct)})
            rows.append({"mode": "http", **figures("chain", clients, *by_http)})
            for session in sessions:
                session.close()
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    direct = {(r["workload"], r["clients"]): r for r in rows if r["mode"] == "direct"}
    lines = [
        "| workload | clients | mode | ops | ops/s | p50 ms | p99 ms | p50 ÷ direct |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ratio = r["p50"] / direct[(r["workload"], r["clients"])]["p50"]
        lines.append(
            f"| {r['workload']} | {r['clients']} | {r['mode']} | {r['ops']} | {r['per_second']:.0f} | "
            f"{r['p50']:.2f} | {r['p99']:.2f} | {ratio:.1f}× |"
        )
    return "\n".join(lines)


def main() -> None:
    # The benchmarks time storage, not the contact policy: a shared PostgreSQL database refuses contacts
    # in clear without a key ring, so allow them here (the `govbiz serve` child inherits this).
    os.environ.setdefault(CLEAR_CONTACTS_ENV, "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", action="store_true", help="the PostgreSQL test server, not a SQLite file"
    )
    parser.add_argument("--quick", action="store_true", help="fewer problems per client")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels (comma-separated)")
    parser.add_argument("--chains", type=int, help="chains per client and side (default 10, 3 with --quick)")
    args = parser.parse_args()
    per_client = args.chains or (3 if args.quick else 10)
    concurrency = [int(n) for n in args.clients.split(",")]
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {per_client} chains per client")
    if args.postgres:
        from govbiz_postgres import open_postgres
        from govbiz_postgres.testing import server_url, temporary_schema

        with temporary_schema(server_url(), prefix="govbiz_bench_api") as url:
            world = build_world(Ledger(open_postgres(url)))
            print(table(measure(world, url, per_client, concurrency)))
            world.ledger.close()
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        world = build_world(Ledger(open_sqlite(url)))
        print(table(measure(world, url, per_client, concurrency)))
        world.ledger.close()


if __name__ == "__main__":
    main()
