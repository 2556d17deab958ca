"""Benchmark: govbiz's calendar against holidays and chinesecalendar on the same inputs.

Run from the repository root::

    .venv/bin/python benchmarks/bench_calendar.py            # about half a minute
    .venv/bin/python benchmarks/bench_calendar.py --quick    # a few seconds, rougher

Three operations, each library with its own natural call, on the same random
inputs (fixed seed) in one process:

* is-working-day: ``cal.is_working_day(d)`` / ``China.is_working_day(d)`` /
  ``chinese_calendar.is_workday(d)``
* add-7-working-days: ``cal.add_working_days(d, 7)`` /
  ``China.get_nth_working_day(d, 7)`` / ``chinese_calendar.find_workday(7, d)``
* count-between (spans of 0–90 days): ``cal.working_days_between(a, b)`` /
  ``China.get_working_days_count(a, b)`` / ``len(chinese_calendar.get_workdays(a, b))``

Before timing, the answers are compared (allowing for each library's own
convention) so that the three libraries are timed doing the same work.  This
is a benchmark, not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from importlib.metadata import version
from typing import Any

import chinese_calendar
import holidays

from govbiz.calendar import china_calendar

SEED = 20250926
FIRST, LAST = date(2004, 1, 1), date(2026, 10, 1)  # room for +7 working days / +90 days
KNOWN_CHINESECALENDAR_ERRORS = {date(2005, 12, 31)}  # see tests/calendar/test_calendar_reference.py


def make_inputs(n: int) -> tuple[list[date], list[tuple[date, date]]]:
    """The same random days and (a, b) spans for every library."""
    rng = random.Random(SEED)
    span = (LAST - FIRST).days
    days = [FIRST + timedelta(days=rng.randrange(span)) for _ in range(n)]
    pairs = [(d, d + timedelta(days=rng.randrange(91))) for d in days]
    return days, pairs


def ops_per_second(call: Callable[[Any], object], inputs: Sequence[Any], budget: float) -> float:
    """Best of three passes over the largest input prefix that fits the time budget."""
    count = min(100, len(inputs))
    while True:
        elapsed = _pass(call, inputs[:count])
        if elapsed >= budget / 4 or count == len(inputs):
            break
        count = min(len(inputs), count * 4)
    best = min(elapsed, _pass(call, inputs[:count]), _pass(call, inputs[:count]))
    return count / best


def _pass(call: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    start = time.perf_counter()
    for item in inputs:
        call(item)
    return time.perf_counter() - start


def check_same_answers(days: list[date], pairs: list[tuple[date, date]], cn: Any) -> None:
    """Fail loudly if the libraries would be timed computing different things."""
    cal = china_calendar()
    for d, (a, b) in zip(days[:2000], pairs[:2000], strict=True):
        assert cal.is_working_day(d) == cn.is_working_day(d), d
        assert cal.add_working_days(d, 7) == cn.get_nth_working_day(d, 7), d
        # holidays counts [a, b], govbiz counts (a, b]
        assert cal.working_days_between(a, b) == cn.get_working_days_count(a, b) - cn.is_working_day(a)
        if any(a - timedelta(days=30) <= bad <= b for bad in KNOWN_CHINESECALENDAR_ERRORS):
            continue  # chinesecalendar misses Saturday 2005-12-31 (调休上班)
        assert cal.is_working_day(d) == chinese_calendar.is_workday(d), d
        # find_workday(7, d) starts from the first working day on or after d
        assert chinese_calendar.find_workday(7, d) == cal.add_working_days(
            cal.next_working_day_on_or_after(d), 7
        ), d
        assert cal.working_days_between(a, b) == len(chinese_calendar.get_workdays(a, b)) - (
            chinese_calendar.is_workday(a)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller time budget")
    parser.add_argument("--inputs", type=int, default=50_000, help="random inputs per operation")
    args = parser.parse_args(argv)
    budget = 0.3 if args.quick else 2.0

    days, pairs = make_inputs(args.inputs)
    cal = china_calendar()
    cn = holidays.China(years=range(2004, 2027))  # built (and populated) before timing
    check_same_answers(days, pairs, cn)

    operations: list[tuple[str, Sequence[Any], list[Callable[[Any], object]]]] = [
        ("is-working-day", days, [
            cal.is_working_day,
            cn.is_working_day,
            chinese_calendar.is_workday,
        ]),
        ("add-7-working-days", days, [
            lambda d: cal.add_working_days(d, 7),
            lambda d: cn.get_nth_working_day(d, 7),
            lambda d: chinese_calendar.find_workday(7, d),
        ]),
        ("count-between", pairs, [
            lambda p: cal.working_days_between(p[0], p[1]),
            lambda p: cn.get_working_days_count(p[0], p[1]),
            lambda p: len(chinese_calendar.get_workdays(p[0], p[1])),
        ]),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"holidays {version('holidays')}, chinesecalendar {version('chinesecalendar')}, "
          f"{len(days)} random inputs, seed {SEED}")
    print()
    print("| operation | govbiz ops/s | holidays ops/s | chinesecalendar ops/s "
          "| govbiz ÷ holidays | govbiz ÷ chinesecalendar |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, inputs, calls in operations:
        ours, theirs, cc = (ops_per_second(call, inputs, budget) for call in calls)
        print(f"| {name} | {ours:,.0f} | {theirs:,.0f} | {cc:,.0f} "
              f"| {ours / theirs:,.0f}× | {ours / cc:,.0f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
