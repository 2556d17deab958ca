"""`GET /v1/public/status`: 办理进度自助查询, for the enterprise, without a token (`govbiz_api.status`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from govbiz_api.app import services
from govbiz_api.status import ProblemStatus, UnknownStatusError, status_of

__all__ = ["router"]

router = APIRouter(tags=["public"])


@router.get("/public/status", response_model=ProblemStatus, operation_id="publicStatus")
def public_status(
    request: Request,
    number: Annotated[str, Query(min_length=1, max_length=100, description="The problem's number")],
    code: Annotated[str, Query(min_length=1, max_length=40, description="Its query code (查询码)")],
) -> ProblemStatus:
    """Where a problem stands: state, lead department, deadlines and whether they were met.

    A wrong code and an unknown number get the same 404; too many wrong
    codes from one address, or for one number, get 429 with `Retry-After`.
    """
    found = services(request)
    now = found.ledger.clock.now()
    client = request.client.host if request.client else "unknown"
    found.per_client.hit(client, now)
    found.attempts.check(client, number, now=now)
    # The code is checked before the number is looked up: both wrong answers take the same path.
    status = status_of(found.ledger, number, now=now) if found.query_codes.matches(number, code) else None
    if status is None:
        found.attempts.wrong(client, number, now=now)
        raise UnknownStatusError()
    return status
