"""`govbiz calendar`: is a day a working day, and when is something due."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from govbiz.cli.options import county_option, echo_json, govbiz_errors, json_option, parse_day

if TYPE_CHECKING:
    from govbiz.deadlines import DeadlinePolicy


@click.group("calendar")
def calendar_command() -> None:
    """Working days (工作日) and deadlines (期限), with their explanation."""


@calendar_command.command("day")
@click.argument("day")
@county_option
@json_option
@govbiz_errors
def day_command(day: str, county: str | None, as_json: bool) -> None:
    """Say whether DAY (YYYY-MM-DD) is a working day, and why."""
    info = _policy(county).calendar.day_info(parse_day(day, "DAY"))
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
@click.option("--english", is_flag=True, help="Explain in English.")
@json_option
@govbiz_errors
def due_command(start: str, clock: str, county: str | None, english: bool, as_json: bool) -> None:
    """When is CLOCK due if it starts at START (a date or ISO datetime, Beijing time)?"""
    from datetime import datetime

    from govbiz.clock import beijing

    try:
        instant = datetime.fromisoformat(start)
    except ValueError:
        raise click.BadParameter(f"{start!r} is not an ISO date or datetime", param_hint="START") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=beijing())
    deadline = _policy(county).deadline(clock, instant)
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


def _policy(county: str | None) -> DeadlinePolicy:
    """The county's policy (with its local days), or the national default with no county."""
    from govbiz import plugins
    from govbiz.deadlines import DeadlinePolicy

    if county is None:
        return DeadlinePolicy.default(calendar=plugins.national_calendar())
    profile = plugins.county_profile(county)
    assert profile is not None  # county_profile falls back to the default profile
    return profile.policy()
