"""Benchmark: `govbiz import` of a 3,000-row ledger beside reading it and registering it directly.

Run from the repository root::

    .venv/bin/python benchmarks/bench_import.py                 # 3,000 rows, SQLite
    .venv/bin/python benchmarks/bench_import.py --rows 500      # quicker
    .venv/bin/python benchmarks/bench_import.py --postgres postgresql+psycopg://127.0.0.1/test

In one process, on the same workbook (a title row, a header, 3,000 problems
of 1,000 enterprises):

* ``openpyxl``: reading the workbook with openpyxl (values and merged ranges);
* ``read``: `govbiz_xlsx.reading.read_workbook` (openpyxl, merged cells filled);
* ``dry run``: `import_workbook(..., dry_run=True)`: layout, every cell checked, matched;
* ``import``: `import_workbook` on an empty ledger (SQLite file, or PostgreSQL);
* ``direct``: the same enterprises and problems registered through `Ledger.unit`
  (the ledger's batch path), from values already parsed.

The goal (issue 23) is the import within 1.5 × of reading plus registering
directly.  This is a benchmark, not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from govbiz_xlsx.reading import read_workbook
from openpyxl import Workbook, load_workbook

import govbiz
from govbiz import commands as c
from govbiz.clock import ManualClock, beijing
from govbiz.contact_keys import CLEAR_CONTACTS_ENV
from govbiz.domain import Actor, Role
from govbiz.domain.credit_code import check_character
from govbiz.ledger import Ledger
from govbiz.plugins import make_plugin_manager
from govbiz.reports.ledger_import import import_workbook

CITY = "430800"
ADMIN = Actor(id="admin", role=Role.ADMINISTRATOR, county=CITY)
COLLECTOR = Actor(id="tzb-1", role=Role.COLLECTOR, county=CITY)
CLOCK = datetime(2026, 12, 3, 10, tzinfo=beijing())
NAME = "张家界{:04d}号有限公司"
TITLE = "问题{:05d}：用地报批慢"
TEXT = "厂房扩建用地报批已提交三个月未获批复"


def code(n: int) -> str:
    body = f"91430800MA4M{n:05d}"
    return body + check_character(body)


def workbook(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2023年问题台账"])
    sheet.merge_cells("A1:H1")
    sheet.append(["序号", "企业名称", "统一社会信用代码", "问题", "问题描述", "问题类别", "来源", "收集日期"])
    for n in range(rows):
        day = datetime(2023, 1 + n % 12, 1 + n % 28)
        enterprise = n % 1000
        who = [NAME.format(enterprise), code(enterprise)]
        sheet.append([n + 1, *who, TITLE.format(n), TEXT, "土地规划", "调研走访", day])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fresh(url: str) -> Ledger:
    if url.startswith("postgresql"):
        from govbiz_postgres import open_postgres

        ledger = Ledger(open_postgres(url), clock=ManualClock(CLOCK))
    else:
        manager = make_plugin_manager(load_entry_points=False)
        ledger = govbiz.open(url, clock=ManualClock(CLOCK), plugin_manager=manager)
    ledger.handle(ADMIN, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    return ledger


def timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def openpyxl_read(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data), data_only=True)
    for sheet in book.worksheets:
        list(sheet.iter_rows(values_only=True))
        list(sheet.merged_cells)
    book.close()


def direct(ledger: Ledger, rows: int) -> None:
    ids: dict[str, str] = {}
    with ledger.unit() as unit:
        for n in range(rows):
            key = code(n % 1000)
            if key not in ids:
                command = c.RegisterEnterprise(county=CITY, name=NAME.format(n % 1000), credit_code=key)
                ids[key] = unit.handle(COLLECTOR, command).id
            day = date(2023, 1 + n % 12, 1 + n % 28)
            unit.handle(COLLECTOR, c.CollectProblem(
                enterprise_id=ids[key], title=TITLE.format(n), description=TEXT, category="土地规划",
                source="调研走访", collected_at=datetime(day.year, day.month, day.day, tzinfo=beijing()),
            ))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    # The benchmarks time storage, not the contact policy: a shared PostgreSQL database refuses contacts
    # in clear without a key ring, so allow them here.
    os.environ.setdefault(CLEAR_CONTACTS_ENV, "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database (fresh schemas)")
    args = parser.parse_args(argv)
    data = workbook(args.rows)
    rows = args.rows
    with tempfile.TemporaryDirectory() as folder:
        targets = {"SQLite": lambda name: f"sqlite:///{Path(folder) / name}.db"}
        if args.postgres:
            from govbiz_postgres.testing import temporary_schema

            def on_postgres(name: str) -> str:
                schema = temporary_schema(args.postgres)
                url = schema.__enter__()
                cleanups.append(schema)
                return url

            targets["PostgreSQL"] = on_postgres
        cleanups: list[Any] = []
        print(f"{rows} rows, {len(data) // 1024} KB xlsx, Python {sys.version.split()[0]}")
        read = timed(lambda: openpyxl_read(data))
        print(f"  openpyxl read            {read:7.2f} s  {rows / read:8.0f} rows/s")
        ours = timed(lambda: read_workbook(data, "台账.xlsx"))
        print(f"  read_workbook            {ours:7.2f} s  {rows / ours:8.0f} rows/s")
        for label, target in targets.items():
            book = read_workbook(data, "台账.xlsx")
            dry_ledger = fresh(target("dry"))
            dry = timed(lambda: import_workbook(dry_ledger, COLLECTOR, book, county=CITY, dry_run=True))  # noqa: B023
            real_ledger = fresh(target("real"))
            real = timed(lambda: import_workbook(real_ledger, COLLECTOR, book, county=CITY))  # noqa: B023
            assert len(real_ledger.problems(COLLECTOR)) == rows
            direct_ledger = fresh(target("direct"))
            straight = timed(lambda: direct(direct_ledger, rows))  # noqa: B023
            for ledger in (dry_ledger, real_ledger, direct_ledger):
                ledger.close()
            print(f"  {label}: dry run        {dry:7.2f} s  {rows / dry:8.0f} rows/s (+ read)")
            print(f"  {label}: import         {real:7.2f} s  {rows / real:8.0f} rows/s (+ read)")
            print(f"  {label}: direct (unit)  {straight:7.2f} s  {rows / straight:8.0f} rows/s")
            ratio = (real + ours) / (read + straight)
            print(f"  {label}: import + read_workbook / (openpyxl + direct) = {ratio:.2f}")
        for schema in cleanups:
            schema.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
