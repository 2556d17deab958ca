"""Instructions per contact command on SQLite, with contacts sealed (AES-256-GCM) and in clear.

What encrypting contacts at rest costs the commands that touch them:
`RegisterEnterprise` (one contact) and `RevealContacts`, counted by callgrind
as `instructions.py` counts the problem chain (which reads no contact and
is unchanged).  Each child process builds a SQLite ledger (a file), warms
up on three enterprises, then counts N (then 2N) commands inside libc's
``qsort`` (`instructions.counted`); the difference over N is the cost of one
command.  Run from the repository root (needs ``valgrind``; a minute or two)::

    .venv/bin/python benchmarks/contact_instructions.py
"""

from __future__ import annotations

import argparse
import logging
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the benchmarks' helpers and the tests' credit codes


def child(mode: str, command: str, n: int) -> None:
    from benchmarks.instructions import counted

    from govbiz import commands as c
    from govbiz.builtin.aes_gcm import AES_256_GCM
    from govbiz.clock import ManualClock
    from govbiz.contact_keys import ContactKey, KeyRing
    from govbiz.domain import Actor, Role
    from govbiz.ledger import Ledger
    from govbiz.storage.sql.sqlite import open_sqlite
    from tests.conftest import credit_code

    logging.disable(logging.WARNING)  # the clear mode's warning, once
    keys = KeyRing({"k1": ContactKey("k1", AES_256_GCM, bytes(32))}, "k1") if mode == "sealed" else None
    path = Path(tempfile.mkdtemp()) / "ledger.db"
    clock = ManualClock(datetime(2027, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    ledger = Ledger(open_sqlite(f"sqlite:///{path}"), contact_keys=keys, clock=clock)
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))

    def register(number: int) -> str:
        command = c.RegisterEnterprise(
            county="430800", name=f"企业{number}", credit_code=credit_code(f"91430800MA4L{number:05d}"),
            contacts=[{"name": "施奕清", "phone": "13812345678", "position": "副总经理"}],
        )  # fmt: skip
        return str(ledger.handle(admin, command).id)

    for number in range(90000, 90003):  # warm-up: caches, compiled statements
        register(number)
    if command == "register":
        counted(lambda: [register(number) for number in range(n)])
        return
    ids = [register(number) for number in range(n)]
    reveal = [c.RevealContacts(enterprise_id=e, reason="回访") for e in ids]
    counted(lambda: [ledger.handle(admin, r) for r in reveal])


def instructions(mode: str, command: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "cg.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--toggle-collect=*qsort*", f"--callgrind-out-file={out}",
             sys.executable, __file__, "--child", mode, command, str(n)],
            check=True, capture_output=True,
        )  # fmt: skip
        found = re.search(r"^summary: (\d+)", out.read_text(), flags=re.M)
        assert found is not None, "callgrind wrote no summary"
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COMMAND", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--commands", type=int, default=10, help="N: commands counted (then 2N)")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    n = args.commands
    for command in ("register", "reveal"):
        per = {}
        for mode in ("clear", "sealed"):
            per[mode] = (instructions(mode, command, 2 * n) - instructions(mode, command, n)) // n
        extra = per["sealed"] - per["clear"]
        print(f"{command}: {per['clear']:,} instructions per command in clear, {per['sealed']:,} sealed "
              f"({extra:+,}, {extra / per['clear']:+.1%})")  # fmt: skip


if __name__ == "__main__":
    main()
