"""`GET /v1/calendar/…`: the caller's county calendar (工作日历): a day, a due date, the years covered.

The answers are those of `govbiz calendar day|due|status --county` for the
token's division, on a calendar that has the holiday notices kept in the
ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from govbiz_api.app import caller, services
from govbiz_api.problem_details import language
from govbiz_api.routes.problems import aware
from govbiz_api.tokens import ApiToken

__all__ = ["router"]

router = APIRouter(tags=["calendar"])

Caller = Annotated[ApiToken, Depends(caller)]


@router.get("/calendar/days/{day}", operation_id="calendarDay")
def calendar_day(*, request: Request, day: date, token: Caller) -> dict[str, Any]:
    """Whether `day` is a working day in the caller's county, and why (节假日、调休、地方假日)."""
    info = services(request).ledger.policy(token.actor.county).calendar.day_info(day)
    return {
        "day": info.day.isoformat(),
        "working": info.kind.is_working,
        "kind": info.kind.value,
        "kind_zh": info.kind.zh,
        "holiday": info.holiday,
        "notice": info.notice,
        "provisional": info.provisional,
    }


@router.get("/calendar/due", operation_id="calendarDue")
def calendar_due(
    *,
    request: Request,
    token: Caller,
    start: Annotated[datetime, Query(description="When the clock starts (Beijing time without an offset)")],
    clock: Annotated[str, Query(description="sign, progress, result, return_visit …")] = "progress",
) -> dict[str, Any]:
    """When `clock` is due if it starts at `start`, with the counting explained day by day."""
    instant = aware(start)
    assert instant is not None
    deadline = services(request).ledger.policy(token.actor.county).deadline(clock, instant)
    return {
        "clock": clock,
        "start": instant.isoformat(),
        "last_day": deadline.last_day.isoformat(),
        "cutoff": deadline.cutoff.isoformat(),
        "basis": deadline.basis,
        "provisional": deadline.provisional,
        "provisional_years": list(deadline.provisional_years),
        "explanation": deadline.explain(language(request.headers.get("accept-language"))),
    }


@router.get("/calendar/status", operation_id="calendarStatus")
def calendar_status_route(
    *, request: Request, token: Caller, as_of: Annotated[datetime | None, Query()] = None
) -> dict[str, Any]:
    """Each year the calendar covers (official or provisional), and a warning when next year lacks one."""
    from govbiz.calendar.status import calendar_status
    from govbiz.clock import beijing

    ledger = services(request).ledger
    today = (aware(as_of) or ledger.clock.now()).astimezone(beijing()).date()
    status = calendar_status(ledger.policy(token.actor.county).calendar, today)
    return {
        "today": status.today.isoformat(),
        "official_until": status.official_until.isoformat() if status.official_until else None,
        "covered_until": status.covered_until.isoformat(),
        "warning": status.warning,
        "years": [
            {"year": y.year, "status": "provisional" if y.provisional else "official", "differs": y.differs}
            for y in status.years
        ],
    }
