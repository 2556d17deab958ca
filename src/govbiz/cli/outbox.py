"""`govbiz outbox`: see, deliver, retry and purge queued notifications."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from govbiz.cli.options import db_option, echo_json, govbiz_errors, json_option, open_existing, parse_day

if TYPE_CHECKING:
    from govbiz.ports.outbox import OutboxEntry

_STATUSES = click.Choice(["pending", "sent", "dead", "superseded"])


@click.group("outbox")
def outbox_command() -> None:
    """Queued notifications (待发通知): list, dispatch, retry, purge."""


@outbox_command.command("list")
@db_option
@click.option("--status", type=_STATUSES, default=None, help="Only entries in this state.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--reveal", is_flag=True, help="Show phone numbers and e-mail addresses in full (个人信息).")
@json_option
@govbiz_errors
def list_command(db: str | None, status: str | None, limit: int, reveal: bool, as_json: bool) -> None:
    """List entries, newest first, with their attempts and last error.

    Recipients that are phone numbers or e-mail addresses, and phone numbers
    in the last error, are masked (138****5678) unless `--reveal` is given.
    """
    from govbiz.domain.enterprise import mask_address, mask_phones_in
    from govbiz.ports.outbox import OutboxStatus

    entries = open_existing(db).store.outbox().entries(OutboxStatus(status) if status else None, limit=limit)

    def recipients(entry: OutboxEntry) -> list[str]:
        found = entry.notification.recipients
        return list(found) if reveal else [mask_address(r) for r in found]

    def last_error(entry: OutboxEntry) -> str:
        return entry.last_error if reveal else mask_phones_in(entry.last_error)

    if as_json:
        echo_json(
            [
                {
                    "key": e.key,
                    "status": e.status.value,
                    "channel": e.notification.channel,
                    "recipients": recipients(e),
                    "subject": e.notification.subject,
                    "attempts": e.attempts,
                    "last_error": last_error(e),
                    "created_at": _beijing(e.created_at),
                    "next_attempt_at": _beijing(e.next_attempt_at),
                    "sent_at": _beijing(e.sent_at),
                }
                for e in entries
            ]
        )
        return
    table = Table("status", "channel", "to", "subject", "attempts", "last error")
    for e in entries:
        table.add_row(
            e.status.value,
            e.notification.channel,
            ", ".join(recipients(e)),
            e.notification.subject,
            str(e.attempts),
            last_error(e),
        )
    Console().print(table)


def _beijing(instant: datetime | None) -> str | None:
    """`instant` in Beijing time with its offset (2025-04-11T08:00:00+08:00), as every command prints."""
    from govbiz.clock import beijing

    return None if instant is None else instant.astimezone(beijing()).isoformat()


def _timing(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """`--timeout` must be positive and shorter than `--lease` (exit status 2 otherwise)."""
    from datetime import timedelta

    from govbiz.errors import ValidationError
    from govbiz.notify.dispatcher import check_timing

    lease = ctx.params.get("lease", 300.0)
    try:
        check_timing(value, timedelta(seconds=lease))
    except ValidationError as error:
        raise click.BadParameter(f"{value:g}: {error.reason}") from None
    return value


@outbox_command.command("dispatch")
@db_option
@click.option(
    "--batch", type=click.IntRange(min=1), default=20, show_default=True, help="Entries claimed per round."
)
@click.option(
    "--lease",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    is_eager=True,
    help="Seconds a claim holds an entry; renewed before each delivery.",
)
@click.option(
    "--timeout",
    type=float,
    default=30.0,
    show_default=True,
    callback=_timing,
    help="Seconds one delivery may take: positive, shorter than --lease.",
)
@click.option("--once", is_flag=True, help="One round only, instead of until nothing is due.")
@govbiz_errors
def dispatch_command(db: str | None, batch: int, lease: float, timeout: float, once: bool) -> None:
    """Deliver due entries through the registered channels; exit 1 if any went dead.

    Each claim is fenced: a dispatcher that lost an entry's claim to another
    (its lease ran out) does not record its outcome; such entries are
    counted as lost.
    """
    from datetime import timedelta

    from govbiz.notify.channel_book import ledger_channels
    from govbiz.notify.dispatcher import Dispatcher
    from govbiz.notify.recheck import warning_recheck
    ledger = open_existing(db)  # an outbox is only ever in a ledger that exists
    dispatcher = Dispatcher(
        ledger.store.outbox(),
        ledger_channels(ledger),
        ledger.clock,
        batch=batch,
        lease=timedelta(seconds=lease),
        timeout=timeout,
        recheck=warning_recheck(ledger),
    )
    report = dispatcher.run_once() if once else dispatcher.run_until_idle()
    click.echo(
        f"sent {len(report.sent)}, to retry {len(report.retried)}, dead {len(report.dead)}, "
        f"superseded {len(report.superseded)}" + (f", lost {len(report.lost)}" if report.lost else "")
    )
    if report.dead:  # cron mails a failing job's output: a dead letter must not pass unseen
        raise click.ClickException(
            f"{len(report.dead)} entr{'y' if len(report.dead) == 1 else 'ies'} went dead in this run: "
            "see `govbiz outbox list --status dead`, then `govbiz outbox retry`"
        )


@outbox_command.command("retry")
@db_option
@click.argument("keys", nargs=-1)
@click.option("--all-dead", is_flag=True, help="Retry every dead entry.")
@govbiz_errors
def retry_command(db: str | None, keys: tuple[str, ...], all_dead: bool) -> None:
    """Make dead entries (KEYS, or --all-dead) pending again."""

    if not keys and not all_dead:
        raise click.UsageError("name the KEYS to retry, or pass --all-dead")
    count = open_existing(db).store.outbox().retry(None if all_dead else list(keys))
    click.echo(f"{count} entr{'y' if count == 1 else 'ies'} pending again")


@outbox_command.command("purge")
@db_option
@click.option("--status", type=_STATUSES, default="sent", show_default=True)
@click.option(
    "--before", required=True, metavar="YYYY-MM-DD",
    help="Delete entries created before this day (never today's).",
)  # fmt: skip
@govbiz_errors
def purge_command(db: str | None, status: str, before: str) -> None:
    """Delete old entries (sent ones by default); entries queued today are always kept.

    Today's reminders are what stops `govbiz remind` queuing them a second
    time the same day (their keys name the day), so a purge never reaches
    past the start of today, Beijing time.  Reminder letters (催办通知书, the
    escalation ladder's, once per clock) are never purged: their keys stop a
    clock being lettered twice.
    """
    from govbiz.clock import beijing
    from govbiz.ports.outbox import OutboxStatus

    ledger = open_existing(db)
    wanted = datetime.combine(parse_day(before, "--before"), datetime.min.time(), tzinfo=beijing())
    today = datetime.combine(ledger.clock.now().astimezone(beijing()).date(), datetime.min.time(), beijing())
    cutoff = min(wanted, today)
    count = ledger.store.outbox().purge(OutboxStatus(status), cutoff)
    kept = f" (entries queued today, {today.date().isoformat()}, are kept)" if cutoff < wanted else ""
    click.echo(f"purged {count} {status} entr{'y' if count == 1 else 'ies'}{kept}")
