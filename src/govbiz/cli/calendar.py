"""`govbiz calendar`: is a day a working day, and when is something due."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govbiz.cli.options import (
    as_of_option,
    county_option,
    db_option,
    echo_json,
    govbiz_errors,
    json_option,
    parse_day,
)

if TYPE_CHECKING:
    from govbiz.calendar.status import CalendarStatus
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.kept_notices import NoticeAdded


@click.group("calendar")
def calendar_command() -> None:
    """Working days (工作日) and deadlines (期限), with their explanation."""


@calendar_command.command("day")
@click.argument("day")
@county_option
@db_option
@json_option
@govbiz_errors
def day_command(day: str, county: str | None, db: str | None, as_json: bool) -> None:
    """Say whether DAY (YYYY-MM-DD) is a working day, and why.

    With --db (or $GOVBIZ_DB) the notices kept in that ledger count too.
    """
    info = _policy(county, db).calendar.day_info(parse_day(day, "DAY"))
    if as_json:
        echo_json(
            {
                "day": info.day.isoformat(),
                "working": info.kind.is_working,
                "kind": info.kind.value,
                "holiday": info.holiday,
                "notice": info.notice,
                "provisional": info.provisional,
            }
        )
        return
    reason = f"{info.kind.zh}" + (f"（{info.holiday}）" if info.holiday else "")
    if info.provisional:
        reason += f"；暂定：国务院尚未发布{info.day.year}年放假安排，暂按法定节假日推算"
    verdict = "工作日 working day" if info.kind.is_working else "休息日 rest day"
    click.echo(f"{info.day.isoformat()}: {verdict} — {reason}" + (f", {info.notice}" if info.notice else ""))


@calendar_command.command("due")
@click.argument("start")
@click.option(
    "--clock",
    default="progress",
    show_default=True,
    help="Clock of the county's policy (sign, progress, result, return_visit).",
)
@county_option
@db_option
@click.option("--english", is_flag=True, help="Explain in English.")
@json_option
@govbiz_errors
def due_command(
    *, start: str, clock: str, county: str | None, db: str | None, english: bool, as_json: bool
) -> None:
    """When is CLOCK due if it starts at START (a date or ISO datetime, Beijing time)?

    A last day counted through a year without a published notice says
    "provisional"; with --db (or $GOVBIZ_DB) the ledger's notices count.
    """
    from govbiz.clock import beijing

    try:
        instant = datetime.fromisoformat(start)
    except ValueError:
        raise click.BadParameter(f"{start!r} is not an ISO date or datetime", param_hint="START") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=beijing())
    deadline = _policy(county, db).deadline(clock, instant)
    if as_json:
        echo_json(
            {
                "clock": clock,
                "start": instant.isoformat(),
                "last_day": deadline.last_day.isoformat(),
                "cutoff": deadline.cutoff.isoformat(),
                "basis": deadline.basis,
                "provisional": deadline.provisional,
                "provisional_years": list(deadline.provisional_years),
                "explanation": deadline.explain("en" if english else "zh"),
            }
        )
        return
    click.echo(deadline.explain("en" if english else "zh"))


@calendar_command.command("add-notice")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option(
    "--as",
    "actor_id",
    metavar="ID",
    default="cli-admin",
    show_default=True,
    help="Who adds the notice (an administrator); recorded in the ledger's event.",
)
@json_option
@govbiz_errors
def add_notice_command(file: Path, db: str | None, actor_id: str, as_json: bool) -> None:
    """Keep the State Council notice in FILE (TOML) in the ledger, and re-base the clocks.

    The notice is checked against the holiday law: a statutory day it does
    not give off is refused, more than six working days in a row beside a
    holiday (Decree 795 Art. 7) is a warning.  Every open clock that was
    counted on that year as provisional is counted again, in every county of
    the ledger; a last day never moves earlier than the one announced.
    Adding the same file twice changes nothing.
    """
    import govbiz
    from govbiz import commands as c
    from govbiz.domain import Actor, Role
    from govbiz.domain.holiday_notice import NATIONAL
    from govbiz.errors import ValidationError

    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "file", str(file), f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    ledger = govbiz.open(db)
    admin = Actor(id=actor_id, role=Role.ADMINISTRATOR, county=NATIONAL)
    try:
        added: NoticeAdded = ledger.handle(admin, c.AddHolidayNotice(text=text, source=file.name))
    except ValidationError as exc:
        raise ValidationError(exc.field, exc.value, f"{exc.reason} (in {file})") from None
    for warning in added.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        echo_json(_added_json(added))
        return
    kept, notice = added.kept, added.kept.notice
    if added.already_kept:
        click.echo(
            f"{notice.number} ({notice.year}) is already kept in the ledger (sha256 {kept.sha256[:16]}…); "
            "nothing changed"
        )
        return
    problems = len({r.problem_id for r in added.rebased})
    click.echo(
        f"kept {notice.number} for {notice.year} (published {notice.published}), sha256 {kept.sha256}"
        + (f", correcting {kept.corrects}" if kept.corrects else "")
    )
    click.echo(
        f"re-based {len(added.rebased)} clock(s) of {problems} problem(s): "
        f"{len(added.moved)} moved, "
        f"{sum(r.change.kept_announced for r in added.rebased)} kept the announced last day"
    )
    for clock in added.moved:
        change = clock.change
        click.echo(
            f"  {clock.problem_id} {change.new.clock}: {change.announced.last_day} -> {change.new.last_day}"
        )


@calendar_command.command("status")
@db_option
@county_option
@as_of_option
@json_option
@govbiz_errors
def status_command(db: str | None, county: str | None, as_of: datetime | None, as_json: bool) -> None:
    """Each year the calendar covers: official (notice, date of issue) or provisional.

    From 1 October it warns while next year has no notice.  With --db (or
    $GOVBIZ_DB) the notices kept in that ledger count, and a year whose kept
    notice differs from the one govbiz ships says so.
    """
    from govbiz.calendar.status import calendar_status
    from govbiz.clock import SystemClock, beijing

    # A date given means the end of that day (24时): the day is the one before that instant.
    instant = as_of - timedelta(microseconds=1) if as_of else SystemClock().now()
    today = instant.astimezone(beijing()).date()
    status = calendar_status(_policy(county, db).calendar, today)
    if status.warning:
        click.echo(status.warning, err=True)
    if as_json:
        echo_json(_status_json(status))
        return
    for year in status.years:
        if year.provisional:
            label = "provisional 暂按法定节假日推算"
        else:
            last = year.notices[-1]
            label = f"official {last.number}, published {last.published} ({last.origin.value})"
        click.echo(
            f"{year.year}: {label}"
            + ("  ! the ledger's notice differs from govbiz's own" if year.differs else "")
        )
    official = status.official_until.isoformat() if status.official_until else "none"
    click.echo(f"official notices through {official}; deadlines can be computed up to {status.covered_until}")


def _added_json(added: NoticeAdded) -> dict[str, object]:
    kept = added.kept
    return {
        "key": kept.key,
        "number": kept.notice.number,
        "year": kept.notice.year,
        "sha256": kept.sha256,
        "already_kept": added.already_kept,
        "corrects": kept.corrects,
        "warnings": list(added.warnings),
        "rebased": [
            {"problem_id": r.problem_id, "county": r.county, **r.change.to_json()} for r in added.rebased
        ],
        "moved": len(added.moved),
    }


def _status_json(status: CalendarStatus) -> dict[str, object]:
    return {
        "today": status.today.isoformat(),
        "official_until": status.official_until.isoformat() if status.official_until else None,
        "covered_until": status.covered_until.isoformat(),
        "warning": status.warning,
        "years": [
            {
                "year": y.year,
                "status": "provisional" if y.provisional else "official",
                "differs": y.differs,
                "notices": [
                    {"number": n.number, "published": n.published.isoformat(), "origin": n.origin.value}
                    for n in y.notices
                ],
            }
            for y in status.years
        ],
    }


def _policy(county: str | None, db: str | None = None) -> DeadlinePolicy:
    """The county's policy (with its local days), or the national default with no county;
    with a ledger URL, on a calendar that has the notices kept in that ledger."""
    from govbiz import plugins
    from govbiz.deadlines import DeadlinePolicy

    if db is not None:
        from govbiz.cli.options import open_existing

        ledger = open_existing(db)  # a calendar question never creates a ledger
        if county is not None:
            return ledger.policy(county)
        ledger.holiday_notices()  # read them
        return ledger.notices.policy(DeadlinePolicy.default(calendar=plugins.national_calendar()))
    if county is None:
        return DeadlinePolicy.default(calendar=plugins.national_calendar())
    profile = plugins.county_profile(county)
    assert profile is not None  # county_profile falls back to the default profile
    return profile.policy()
