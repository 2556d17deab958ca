"""Benchmark: what PostgreSQL row-level security by county costs (`govbiz db rls`).

Run from the repository root, with PostgreSQL up (``GOVBIZ_TEST_POSTGRES``,
default ``postgresql://postgres@127.0.0.1:5432/test``)::

    .venv/bin/python benchmarks/bench_rls.py                 # about two minutes
    .venv/bin/python benchmarks/bench_rls.py --problems 200 --open 5000

In a scratch schema (dropped afterwards) the schema's owner generates M open
assignments through the Ledger (`govbiz_postgres.bulk.BulkStore`), enables
row security (`enable_row_security`) and grants a new login role the
county (`grant_counties`); the role is dropped afterwards.  Each figure is
the same work done by the owner, whom PostgreSQL exempts from the policies
(the baseline), and by the county role, whose every query carries them:

1. **commands per second**: N scheduled problems through assign -> sign ->
   progress -> result -> return visit, one `Ledger.handle` each, the two
   Ledgers timed in alternating chunks of 25 problems;
2. **warning sweep** (`UnitOfWork.warning_clocks`) as of a half-way day,
   best of 9, owner and role alternately; the rows must be the same;
3. **metrics by department x month** (`PostgresMetricSource`, summary and
   with ids per figure), best of 5 alternately; the figures must be the same.

A benchmark, not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' world builder

from bench_postgres import _counts, chain, province_ledger
from govbiz_postgres import open_postgres
from govbiz_postgres.metrics import PostgresMetricSource
from govbiz_postgres.rls import enable_row_security, grant_counties
from govbiz_postgres.store import PostgresStore
from govbiz_postgres.testing import as_role, login_role, server_url, temporary_schema

from govbiz import commands as c
from govbiz.contact_keys import CLEAR_CONTACTS_ENV
from govbiz.ledger import Ledger
from govbiz.metrics import MetricRequest, standard_registry
from govbiz.metrics.grouping import Grouping
from govbiz.storage.sql import schema as t
from tests.conftest import CITY, World


def schedule(world: World, count: int) -> list[str]:
    """`count` problems collected, triaged and scheduled in `world`, ready for the chain."""
    ids = []
    for n in range(count):
        world.later(minutes=1)
        problem_id = world.collect(f"待交办{n}").id
        world.ledger.handle(world.collector, c.TriageProblem(problem_id=problem_id))
        schedule = c.ScheduleProblem(problem_id=problem_id, session_id=world.session_id)
        world.ledger.handle(world.secretariat, schedule)
        ids.append(problem_id)
    return ids


def commands(world: World, owner: PostgresStore, role: PostgresStore, ids: list[str], chunk: int = 25) -> Any:
    """Commands per second by the owner's Ledger and the role's, on alternate chunks of problems."""
    ledgers = {"owner": Ledger(owner, clock=world.clock), "role": Ledger(role, clock=world.clock)}
    spent = dict.fromkeys(ledgers, 0.0)
    done = dict.fromkeys(ledgers, 0)
    for n, at in enumerate(range(0, len(ids), chunk)):
        who = "owner" if n % 2 == 0 else "role"
        world.ledger = ledgers[who]
        started = time.perf_counter()
        for problem_id in ids[at : at + chunk]:
            for actor, command in chain(world, problem_id):
                world.later(minutes=5)
                world.ledger.handle(actor, command)
                done[who] += 1
        spent[who] += time.perf_counter() - started
    return {who: done[who] / spent[who] for who in ledgers}


def paired(owner: Callable[[], Any], role: Callable[[], Any], repeat: int) -> tuple[float, float, Any, Any]:
    """Best times of `owner` and `role`, run alternately `repeat` times each (a noisy machine drifts)."""
    times: dict[str, list[float]] = {"owner": [], "role": []}
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for who, run in (("owner", owner), ("role", role)):
            started = time.perf_counter()
            results[who] = run()
            times[who].append(time.perf_counter() - started)
    return min(times["owner"]), min(times["role"]), results["owner"], results["role"]


def sweep(store: PostgresStore, policy: Any, as_of: Any) -> Callable[[], list[Any]]:
    def run() -> list[Any]:
        with store.unit_of_work() as uow:
            return list(uow.warning_clocks({CITY: policy.thresholds(as_of)}))

    run()
    return run


def metrics(store: PostgresStore, as_of: Any, *, drill_down: bool) -> Callable[[], list[Any]]:
    definitions = standard_registry().select(["assigned", "completed", "completion_rate", "overdue"])
    request = MetricRequest(
        as_of=as_of,
        definitions=definitions,
        grouping=Grouping.DEPARTMENT,
        then_by=Grouping.MONTH,
        drill_down=drill_down,
    )
    source = PostgresMetricSource(store, counties=frozenset({CITY}))

    def run() -> list[Any]:
        result = source.compute(request)
        return sorted((str(g.key), _counts(g)) for g in (result.total, *result.groups))

    run()
    return run


def main() -> None:
    # The benchmarks time storage, not the contact policy: a shared PostgreSQL database refuses contacts
    # in clear without a key ring, so allow them here (the `govbiz serve` child inherits this).
    os.environ.setdefault(CLEAR_CONTACTS_ENV, "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=400, help="problems through the 5-command chain")
    parser.add_argument("--open", type=int, default=20_000, help="open assignments for the sweep and metrics")
    args = parser.parse_args()
    server = os.environ.get("GOVBIZ_TEST_POSTGRES") or server_url()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with (
        temporary_schema(server, prefix="govbiz_bench_rls") as url,
        login_role(server, prefix="govbiz_bench_rls") as role,
    ):
        owner = open_postgres(url)
        world = province_ledger(owner, args.open)
        ids = schedule(world, args.problems)
        with owner.writing() as conn:
            enable_row_security(conn)
            grant_counties(conn, role, [CITY])
            conn.exec_driver_sql("ANALYZE")
        restricted = open_postgres(as_role(url, role))
        rates = commands(world, owner, restricted, ids)
        with owner.reading() as conn:
            first, last = conn.execute(
                sa.select(sa.func.min(t.problem_clocks.c.cutoff), sa.func.max(t.problem_clocks.c.cutoff))
            ).one()
            latest = conn.execute(sa.select(sa.func.max(t.problems.c.updated_at))).scalar_one()
        policy = Ledger(owner).profile(CITY).policy()
        half_way = first + (last - first) / 2
        rows = []
        owner_s, role_s, owner_rows, role_rows = paired(
            sweep(owner, policy, half_way), sweep(restricted, policy, half_way), 9
        )
        assert owner_rows == role_rows  # one county: the role sees every row the owner does
        rows.append((f"warning sweep, half-way day ({len(owner_rows):,} clocks)", owner_s, role_s))
        for drill_down, name in ((False, "summary"), (True, "ids per figure")):
            owner_s, role_s, owner_groups, role_groups = paired(
                metrics(owner, latest, drill_down=drill_down),
                metrics(restricted, latest, drill_down=drill_down),
                5,
            )
            assert owner_groups == role_groups
            rows.append((f"metrics by department x month, {name}", owner_s, role_s))
        restricted.close()
        owner.close()
    print(f"\n{args.open:,} open assignments, {args.problems} problems through the chain\n")
    print("| work | owner (no policies) | county role (policies) | role / owner |")
    print("| --- | ---: | ---: | ---: |")
    ratio = rates["owner"] / rates["role"]
    print(f"| commands | {rates['owner']:.0f}/s | {rates['role']:.0f}/s | {ratio:.2f}x |")
    for name, owner_s, role_s in rows:
        print(f"| {name} | {owner_s * 1000:.0f} ms | {role_s * 1000:.0f} ms | {role_s / owner_s:.2f}x |")


if __name__ == "__main__":
    main()
