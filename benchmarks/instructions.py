"""Instructions per command on SQLite: the Ledger beside its raw SQL, counted by callgrind.

Part 1 of `bench_postgres.py` ("commands per second") measured in CPU
instructions instead of seconds.  Wall-clock on a shared 2-core machine moves
by a third between runs; instruction counts repeat to a fraction of a percent
whatever else runs.  Run from the repository root (needs ``valgrind``; about
two minutes at the default size)::

    .venv/bin/python benchmarks/instructions.py                 # 10 and 20 problems
    .venv/bin/python benchmarks/instructions.py --problems 20   # 20 and 40, steadier
    .venv/bin/python benchmarks/instructions.py --keep /tmp/cg  # keep the callgrind files
    .venv/bin/python benchmarks/instructions.py --side ledger   # one side (the other is unchanged)

Each of four child processes runs under ``valgrind --tool=callgrind`` and
builds the same SQLite database (a file, WAL) of scheduled problems as part 1
does, warms up on two problems, then counts only the measured section:

- **ledger**: N (then 2N) problems through assign -> sign -> progress ->
  result -> return visit, one `Ledger.handle` per command, as part 1 times it;
- **raw**: the rows the ledger wrote (captured from a ledger run on other
  problems, uncounted) written again on N (then 2N) problems by part 1's
  hand-written statements, one BEGIN ... COMMIT per command.

Only the measured section is counted: it runs inside a C ``qsort`` call (a
ctypes callback), and callgrind collects only while ``qsort`` is on the stack
(``--toggle-collect``).  The difference between the 2N and the N run, over
5N commands, is the instructions per command of each side, free of the
section's fixed costs; their quotient is the ratio part 1 reports in time.
SQLite's own work (the B-tree, the WAL) counts on both sides alike; the
fsync's wait does not count at all, so this ratio is somewhat above the
wall-clock one.  With ``--keep DIR`` the callgrind files stay behind for
``callgrind_annotate --inclusive=yes DIR/ledger-<2N>.out``.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench_postgres and the tests' world builder

#: Problems taken through the chain before counting starts (caches, compiled statements).
WARM_UP = 2
#: Commands per problem in part 1's chain.
CHAIN = 5


def counted(section: Callable[[], None]) -> None:
    """Run `section` inside libc's ``qsort``, so that ``--toggle-collect=*qsort*`` counts only it."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    compare_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    done: list[bool] = []

    def compare(_a: int | None, _b: int | None) -> int:
        if not done:  # two elements: one comparison, but never run the section twice
            done.append(True)
            section()
        return 0

    pair = (ctypes.c_int * 2)(1, 2)
    libc.qsort(pair, 2, ctypes.sizeof(ctypes.c_int), compare_type(compare))
    assert done, "qsort never called back"


def child(side: str, problems: int, pool: int) -> None:
    """One counted run: `problems` problems on `side` ("ledger" or "raw"), out of a pool of `pool`."""
    from benchmarks.bench_postgres import chain, queued_rows, raw_statements, raw_writes, scheduled

    from govbiz.storage.sql.sqlite import open_sqlite

    with tempfile.TemporaryDirectory() as tmp:
        store = open_sqlite(f"sqlite:///{Path(tmp) / 'bench.db'}")
        world, ids = scheduled(store, 2 * pool)  # the same database whatever `problems` is
        mine, theirs = ids[:pool], ids[pool:]

        def run_ledger(part: list[str]) -> list[object]:
            captured = []
            for actor, command in [step for pid in part for step in chain(world, pid)]:
                world.later(minutes=5)
                captured.append(world.ledger.handle(actor, command))
            return captured

        if side == "ledger":
            run_ledger(mine[:WARM_UP])
            part = mine[WARM_UP : WARM_UP + problems]
            counted(lambda: run_ledger(part) and None)
        else:
            with store.unit_of_work() as uow:
                start = {pid: uow.get_problem(pid) for pid in mine}
            captured = run_ledger(mine[: WARM_UP + problems])
            with store.unit_of_work() as uow:
                events = {(e.stream_id, e.version): e for pid in mine for e in uow.events("problem", pid)}
            queued = queued_rows(store)
            writes = [(p, events[(p.id, p.version)], queued.get((p.id, p.version), [])) for p in captured]
            rename = dict(zip(mine, theirs, strict=True))
            commands = raw_statements(store, writes, rename, start)  # type: ignore[arg-type]
            warm, measured = commands[: WARM_UP * CHAIN], commands[WARM_UP * CHAIN :]
            raw_writes(store, warm)
            counted(lambda: raw_writes(store, measured) and None)
        store.close()


def instructions(side: str, problems: int, pool: int, keep: Path | None) -> int:
    """Instructions callgrind counted in one child run."""
    out_dir = keep or Path(tempfile.mkdtemp(prefix="govbiz-cg-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{side}-{problems}.out"
    subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--toggle-collect=*qsort*", f"--callgrind-out-file={out}",
            sys.executable, __file__, "--child", side, "--problems", str(problems), "--pool", str(pool),
        ],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    match = re.search(r"^totals:\s*(\d+)", out.read_text(), re.MULTILINE)
    assert match, f"no totals in {out}"
    if keep is None:
        out.unlink()
        out_dir.rmdir()
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=10, help="N: the runs take N and 2N problems")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the callgrind files in DIR")
    parser.add_argument("--side", choices=["ledger", "raw"], help="count only this side")
    parser.add_argument("--child", choices=["ledger", "raw"], help=argparse.SUPPRESS)
    parser.add_argument("--pool", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.problems, args.pool)
        return
    n = args.problems
    pool = WARM_UP + 2 * n
    per_command = {}
    for side in [args.side] if args.side else ["ledger", "raw"]:
        small, large = (instructions(side, size, pool, args.keep) for size in (n, 2 * n))
        per_command[side] = (large - small) / (CHAIN * n)
        print(f"{side}: {small:,} instructions for {n} problems, {large:,} for {2 * n}")
    if args.side:
        print(f"{args.side}: {per_command[args.side]:,.0f} instructions per command")
        return
    ledger, raw = per_command["ledger"], per_command["raw"]
    print("\n| side | instructions per command |")
    print("| --- | ---: |")
    print(f"| ledger | {ledger:,.0f} |")
    print(f"| raw SQL | {raw:,.0f} |")
    print(f"\nledger / raw: {ledger / raw:.2f}x")


if __name__ == "__main__":
    main()
