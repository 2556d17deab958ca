"""`govbiz remind`: the daily reminder sweep, for cron."""

from __future__ import annotations

from datetime import datetime

import click

from govbiz.cli.options import as_of_option, county_type, db_option, echo_json, govbiz_errors, json_option


@click.command("remind")
@db_option
@as_of_option
@county_type(names=("--county", "counties"), multiple=True, help="Only these counties (repeatable).")
@click.option(
    "--future", is_flag=True, help="Allow --as-of later than now (the reminders wait for that instant)."
)
@json_option
@govbiz_errors
def remind_command(
    db: str | None, as_of: datetime | None, counties: tuple[str, ...], future: bool, as_json: bool
) -> None:
    """Queue reminders (催办) for approaching, due and overdue clocks as of WHEN.

    Idempotent: a second run on the same day queues nothing; overdue clocks
    are reminded again each day until their report arrives.  The first
    working day after a clock's last day it also queues the escalation
    ladder's reminder letter (催办通知书), once per clock whatever runs
    later (`[escalation] reminder_letter = false` in the county file to
    stop it); the count is printed ("reminder letters").  Run
    `govbiz outbox dispatch` (or a dispatcher service) to deliver them; it
    checks each reminder again first and does not send one whose clock was
    met, suspended, extended or re-based since.  A clock the calendar cannot
    judge is named on standard error, and every other clock is still reminded.
    """
    import govbiz
    from govbiz.notify.sweep import sweep

    ledger = govbiz.open(db)
    now = ledger.clock.now()
    if as_of is not None and as_of > now and not future:
        raise click.UsageError(
            f"--as-of {as_of.isoformat()} is later than now ({now:%Y-%m-%d %H:%M %Z}): the reminders would "
            "be queued today for clocks judged on that day, and sent from it on. Pass --future to do so "
            "on purpose (the dispatcher still checks each one again before sending); a date means the end "
            "of that day (24时), so for today leave --as-of out (now)."
        )
    report = sweep(ledger, as_of or now, counties=frozenset(counties) or None)
    for clock in report.uncomputed:
        click.echo(
            f"not judged: {clock.problem_id} {clock.clock} (last day {clock.last_day}): {clock.reason}",
            err=True,
        )
    if report.calendar_warning:
        click.echo(report.calendar_warning, err=True)
    if as_json:
        echo_json(
            {
                "as_of": report.as_of.isoformat(),
                "clocks": report.clocks,
                "by_level": report.by_level,
                "queued": report.queued,
                "already_queued": report.already_queued,
                "reminder_letters": report.letters,
                "not_judged": [
                    {
                        "problem_id": u.problem_id,
                        "county": u.county,
                        "clock": u.clock,
                        "last_day": u.last_day.isoformat(),
                        "reason": u.reason,
                    }
                    for u in report.uncomputed
                ],
                "calendar_warning": report.calendar_warning,
            }
        )
        return
    levels = ", ".join(f"{level} {count}" for level, count in sorted(report.by_level.items())) or "none"
    click.echo(
        f"{report.as_of:%Y-%m-%d %H:%M}: {report.clocks} clock(s) need attention ({levels}); "
        f"queued {report.queued}, already queued {report.already_queued}"
        + (f"; {report.letters} reminder letter(s) (催办通知书)" if report.letters else "")
        + (f"; {len(report.uncomputed)} not judged" if report.uncomputed else "")
    )
