"""`govbiz remind`: the daily reminder sweep, for cron."""

from __future__ import annotations

from datetime import datetime

import click

from govbiz.cli.options import as_of_option, db_option, echo_json, govbiz_errors, json_option


@click.command("remind")
@db_option
@as_of_option
@click.option("--county", "counties", metavar="CODE", multiple=True, help="Only these counties (repeatable).")
@json_option
@govbiz_errors
def remind_command(db: str | None, as_of: datetime | None, counties: tuple[str, ...], as_json: bool) -> None:
    """Queue reminders (催办) for approaching, due and overdue clocks as of WHEN.

    Idempotent: a second run on the same day queues nothing; overdue clocks
    are reminded again each day until their report arrives.  Run
    `govbiz outbox dispatch` (or a dispatcher service) to deliver them.
    """
    import govbiz
    from govbiz.notify.sweep import sweep

    ledger = govbiz.open(db)
    report = sweep(ledger, as_of or ledger.clock.now(), counties=frozenset(counties) or None)
    if as_json:
        echo_json(
            {
                "as_of": report.as_of.isoformat(),
                "clocks": report.clocks,
                "by_level": report.by_level,
                "queued": report.queued,
                "already_queued": report.already_queued,
            }
        )
        return
    levels = ", ".join(f"{level} {count}" for level, count in sorted(report.by_level.items())) or "none"
    click.echo(
        f"{report.as_of:%Y-%m-%d %H:%M}: {report.clocks} clock(s) need attention ({levels}); "
        f"queued {report.queued}, already queued {report.already_queued}"
    )
