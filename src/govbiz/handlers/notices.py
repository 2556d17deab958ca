"""Holiday notices kept in the ledger (国务院放假安排) and the deadlines they re-base.

Adding a notice stores it nationwide (division 000000) and, in the same
unit of work, counts again every open clock that was provisional for its
year, in every county (`deadline_rebased` events).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import attrs

from govbiz import commands as c
from govbiz import due
from govbiz.domain.actors import Role
from govbiz.domain.events import JsonValue
from govbiz.domain.holiday_notice import NATIONAL, KeptNotice, notice_key
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import DeadlinesRebased
from govbiz.handlers.context import CommandContext, Handler
from govbiz.kept_notices import NoticeAdded, RebasedClock, read_notice
from govbiz.kept_notices import in_force as kept_in_force
from govbiz.ports.storage import ProblemQuery, RecordKind

if TYPE_CHECKING:
    from govbiz.calendar import HolidayNotice

__all__ = ["HANDLERS"]

_ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})


def add_holiday_notice(ctx: CommandContext, cmd: c.AddHolidayNotice) -> NoticeAdded:
    """Keep a notice for every county of the ledger; the same file twice is a no-op."""
    from govbiz.calendar import china_calendar
    from govbiz.calendar.law import check_notice

    ctx.require_role(_ADMINISTRATORS, "AddHolidayNotice")
    notice = read_notice(cmd.text, cmd.source)
    sha256 = hashlib.sha256(cmd.text.encode("utf-8")).hexdigest()
    key = notice_key(notice.number, sha256)
    existing = ctx.uow.get_record(RecordKind.HOLIDAY_NOTICE, key)
    if isinstance(existing, KeptNotice):
        return NoticeAdded(existing, already_kept=True)
    notices = ctx.counties.notices
    before = notices.kept
    warnings = check_notice(notice, notices.calendar(china_calendar()))
    same_number = [k for k in before if k.notice.number == notice.number]
    kept = KeptNotice(
        key=key, county=NATIONAL, notice=notice, sha256=sha256, source=cmd.source,
        added_at=ctx.now, added_by=ctx.actor.id, corrects=same_number[-1].key if same_number else None,
    )  # fmt: skip
    payload: dict[str, JsonValue] = {
        "number": notice.number, "year": notice.year, "published": notice.published.isoformat(),
        "sha256": sha256, "source": cmd.source, "corrects": kept.corrects, "text": cmd.text,
        "warnings": list(warnings),
    }  # fmt: skip
    ctx.add_record(RecordKind.HOLIDAY_NOTICE, key, kept, county=NATIONAL, payload=payload)
    rebased = rebase(ctx, kept, kept_in_force((*before, kept)))
    return NoticeAdded(kept, warnings=warnings, rebased=tuple(rebased))


def rebase(ctx: CommandContext, kept: KeptNotice, in_force: tuple[HolidayNotice, ...]) -> list[RebasedClock]:
    """Count again, on `in_force`, every open clock that was provisional for the notice's year."""
    year = kept.notice.year
    found: list[RebasedClock] = []
    for problem in list(ctx.uow.find_problems(ProblemQuery())):
        if not any(year in d.provisional_years for d in problem.open_deadlines()):
            continue
        base = ctx.profile(problem.county).policy()
        policy = attrs.evolve(base, calendar=ctx.counties.notices.calendar(base.calendar, in_force))
        changes = due.rebased(policy, problem, ctx.uow.events("problem", problem.id), year)
        if not changes:
            continue
        payload = DeadlinesRebased(
            notice={"number": kept.notice.number, "year": year, "key": kept.key},
            deadlines=tuple(change.new for change in changes),
            changes=tuple(change.to_json() for change in changes),
            moved=any(change.moved for change in changes),
        )
        # Nationwide data re-bases every county's clocks: the event records who added the notice.
        ctx.for_county(problem.county).act(problem, Action.REBASE_DEADLINES, payload)
        found.extend(RebasedClock(problem.id, problem.county, change) for change in changes)
    return found


HANDLERS: dict[type[c.Command[Any]], Handler] = {c.AddHolidayNotice: add_holiday_notice}
