"""The PostgreSQL benchmarks still run, at their smallest sizes (nothing here measures a speed).

A benchmark nobody runs rots: when contacts became sealed at rest, every
PostgreSQL benchmark stopped at its first enterprise and no test noticed.
Each runs here as a documented command would, in a subprocess, on the test
server, and must finish and print its table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

#: Each benchmark at its smallest useful size, and a line its printed table must hold.
RUNS = {
    "bench_postgres": (["--problems", "5", "--open", "60"], "| warning sweep"),
    "bench_rls": (["--problems", "50", "--open", "60"], "| metrics by department x month"),
    "bench_api": (["--postgres", "--quick", "--clients", "1"], "| chain | 1 | http |"),
}


def run_benchmark(name: str, args: list[str], server: str) -> str:
    environment = {**os.environ, "GOVBIZ_TEST_POSTGRES": server}
    environment.pop("GOVBIZ_CONTACTS_IN_CLEAR", None)  # the benchmarks must allow it themselves
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_postgresql_benchmark_runs_and_prints_its_table(name: str, pg_server: str) -> None:
    args, expected = RUNS[name]
    assert expected in run_benchmark(name, args, pg_server)


def test_the_import_benchmark_runs_on_postgresql(pg_server: str) -> None:
    url = pg_server.replace("postgresql://", "postgresql+psycopg://", 1)
    out = run_benchmark("bench_import", ["--rows", "20", "--postgres", url], pg_server)
    assert "PostgreSQL: import + read_workbook / (openpyxl + direct)" in out
