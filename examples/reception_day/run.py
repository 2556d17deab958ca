"""A year of reception days in Zhangjiajie (2023), replayed through the public API.

The default scenario reproduces the article's figures as of 15 November
2023: 7 reception days, 59 problems assigned, 39 solved, 14 land-planning
problems from 8 enterprises (9 completed, 5 in progress: 64.3% by the
standard definition, the article's 75% with long-term problems left out),
and the Jiurui Biotech (久瑞生物) relocation case end to end.

Every change goes through ``Ledger.handle`` on the embedded SQLite store
(a temporary file unless ``--db`` names one).  Notifications are the
library's own: the commands queue them, the reminder sweep runs each
working day and the dispatcher delivers them; the summary counts them by
kind, and ``--verbose`` prints each on the console.  Run it with
``scripts/simulate`` (which sets up ``.venv``) or directly:
``python examples/reception_day/run.py [--seed N] [--verbose]``.
``govbiz simulate`` is the same with more options.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from govbiz.notify import ConsoleChannel, Notification
from govbiz.simulation import RunOptions, load_scenario, run_simulation
from govbiz.simulation.summary import render_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="zhangjiajie", help="scenario name or TOML file")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    parser.add_argument("--db", default=None, help="storage URL (default: a temporary SQLite file)")
    parser.add_argument("--verbose", action="store_true", help="print each notification as it is delivered")
    parser.add_argument("--quiet", action="store_true", help="print no notification, even with --verbose")
    args = parser.parse_args(argv)

    console = ConsoleChannel(sys.stdout)

    def notify(notification: Notification) -> None:
        console.deliver(notification)

    with tempfile.TemporaryDirectory(prefix="govbiz-example-") as scratch:
        # The scratch ledger is deleted at the end, so its commits need not wait for the
        # disk one by one (a county's ledger keeps synchronous=full, the default).
        url = args.db or f"sqlite:///{Path(scratch) / 'ledger.db'}?synchronous=normal"
        run = run_simulation(
            load_scenario(args.scenario),
            options=RunOptions(seed=args.seed),
            url=url,
            notify=notify if args.verbose and not args.quiet else None,
        )
        figures = run.figures()
    render_summary(figures, Console())
    missed = [t["figure"] for t in figures["targets"] if t["applies"] and not t["ok"]]
    print("All article figures reproduced." if not missed else f"Not reproduced: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
