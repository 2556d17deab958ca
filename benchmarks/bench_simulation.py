"""Benchmark: the province-scale simulation's problems per second and peak memory.

Run from the repository root::

    .venv/bin/python benchmarks/bench_simulation.py            # 14 cities x 10 counties, a year
    .venv/bin/python benchmarks/bench_simulation.py --quick    # 3 cities x 3 counties

The same seeded run (the zhangjiajie scenario scaled up with ``--cities`` and
``--counties``) is played on the in-memory store and on the embedded SQLite
store, each in a fresh process so that its peak resident memory is its own.
The table shows problems and ledger commands per second and peak memory,
with SQLite's figures as a ratio to the in-memory baseline: what the storage
costs.  The library's notification path is part of the work: the daily
sweep, and the dispatcher delivering every outbox entry into capture
channels (in memory, printed nowhere).  This is a benchmark, not a test:
nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def child(url: str, cities: int, counties: int) -> dict[str, Any]:
    """Run once in this process and measure it."""
    from govbiz.simulation import RunOptions, load_scenario, run_simulation

    scenario = load_scenario("zhangjiajie")
    started = time.perf_counter()
    run = run_simulation(scenario, options=RunOptions(cities=cities, counties=counties), url=url)
    elapsed = time.perf_counter() - started
    problems = sum(u.problem_count for u in run.units)
    collected = run.stats.commands["CollectProblem"]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "divisions": len(run.units),
        "problems": collected,
        "planned": problems,
        "commands": sum(run.stats.commands.values()),
        "seconds": elapsed,
        "peak_mib": peak_kib / 1024,
    }


def measure(url: str, cities: int, counties: int) -> dict[str, Any]:
    """Run `child` in a fresh interpreter (its own peak memory) and return its figures."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", url, "--cities", str(cities), "--counties", str(counties)],
        capture_output=True,
        text=True,
        check=True,
        env=_child_environment(),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _child_environment() -> dict[str, str]:
    """No plugins and no PATH, but the caller's PYTHONPATH: another checkout's code can be measured.

    (Without it, a run meant to measure older code from a worktree measured
    the installed code twice.)
    """
    env = {"GOVBIZ_LOAD_PLUGINS": "", "PATH": ""}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 cities x 3 counties instead of 14 x 10")
    parser.add_argument("--cities", type=int, default=None)
    parser.add_argument("--counties", type=int, default=None)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cities = args.cities or (3 if args.quick else 14)
    counties = args.counties if args.counties is not None else (3 if args.quick else 10)
    if args.child:
        print(json.dumps(child(args.child, cities, counties)))
        return
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "memory://": measure("memory://", cities, counties),
            "sqlite": measure(f"sqlite:///{Path(folder) / 'bench.db'}", cities, counties),
        }
    base = results["memory://"]
    print(f"govbiz simulate --cities {cities} --counties {counties}: {base['divisions']} divisions, a year")
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})\n")
    print("| store | problems | commands | seconds | problems/s | commands/s | peak MiB | time vs memory |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(
            f"| {name} | {r['problems']} | {r['commands']} | {r['seconds']:.1f} | "
            f"{r['problems'] / r['seconds']:.0f} | {r['commands'] / r['seconds']:.0f} | "
            f"{r['peak_mib']:.0f} | {r['seconds'] / base['seconds']:.1f}x |"
        )


if __name__ == "__main__":
    main()
