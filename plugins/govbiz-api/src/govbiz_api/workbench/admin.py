"""管理: the configuration in force, the calendar's status, and, for administrators, users and tokens.

The configuration and calendar are what the library computes deadlines
with (`Ledger.profile`, `Ledger.policy`), shown to every signed-in user.
Workbench users and API tokens are the service's own records, not the
ledger's: only a `Role.ADMINISTRATOR` sees them here (no secret or hash
is ever shown); they are managed with `govbiz user` and `govbiz token`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from govbiz.domain.actors import Role
from govbiz.errors import GovbizError
from govbiz_api.workbench.web import error_page, page, signed_in, workbench

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_page(request: Request) -> Response:
    """管理: categories, sources, the clocks, the calendar's years; users and tokens for administrators."""
    user, session = signed_in(request)
    bench = workbench(request)
    ledger, actor, now = bench.services.ledger, user.actor, bench.now()
    try:
        profile = ledger.profile(actor.county)
        policy = ledger.policy(actor.county)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    calendar = policy.calendar
    administrator = actor.role is Role.ADMINISTRATOR
    return page(
        request, "admin.html", user=user, session=session, profile=profile, clocks=policy.clocks,
        calendar={"first": calendar.first_date, "last": calendar.last_date,
                  "official": calendar.official_through, "provisional": sorted(calendar.provisional_years)},
        administrator=administrator, users=bench.users.list() if administrator else [],
        tokens=[t.as_json(now) for t in bench.services.tokens.list()] if administrator else [],
    )  # fmt: skip
