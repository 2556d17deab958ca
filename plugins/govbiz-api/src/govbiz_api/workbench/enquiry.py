"""企业查询: the enterprise's status page (办理进度自助查询), without signing in.

It is the API's public lookup (`govbiz_api.status`) as a form: the same
query code check, the same limits on wrong codes per address and per
number, and the same answer for a wrong code and an unknown number.  The
form posts (the code stays out of URLs and server logs) and is guarded by
the pre-sign-in CSRF cookie like the sign-in form.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from govbiz.errors import GovbizError
from govbiz_api.status import ProblemStatus, UnknownStatusError, status_of
from govbiz_api.workbench.signin import form_token, set_form_cookie
from govbiz_api.workbench.web import COOKIE, LOGIN_CSRF_COOKIE, checked_form, page, workbench

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_CLOCKS = {"sign": "签收", "progress": "落实情况报送", "result": "办理结果报送", "return_visit": "回访"}


@router.get("/status")
def status_page(request: Request) -> Response:
    """The lookup form."""
    token = form_token(request)
    response = _page(request, token)
    set_form_cookie(request, response, token)
    return response


@router.post("/status")
async def status_lookup(request: Request) -> Response:
    """Look a problem up by its number and query code."""
    form = await checked_form(request, request.cookies.get(LOGIN_CSRF_COOKIE))
    number, code = form.get("number")[:100], form.get("code")[:40]
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not number or not code:
        return await run_in_threadpool(
            lambda: _page(request, token, status=422, error="请填写问题编号和查询码", number=number)
        )
    client = request.client.host if request.client else "unknown"
    try:
        found = await run_in_threadpool(_lookup, request, client, number, code)
    except GovbizError as error:
        from govbiz_api.problem_details import problem_for

        problem, message = problem_for(error, "zh"), _message(error)
        retry = problem.headers.get("Retry-After")

        def refused() -> Response:
            return _page(
                request, token, status=problem.status, error=message, number=number, retry_after=retry
            )

        return await run_in_threadpool(refused)
    return await run_in_threadpool(lambda: _page(request, token, found=found, number=number))


def _lookup(request: Request, client: str, number: str, code: str) -> ProblemStatus:
    found = workbench(request).services
    now = found.ledger.clock.now()
    found.per_client.hit(client, now)
    found.attempts.check(client, number, now=now)
    # As in GET /v1/public/status: the code is checked before the number is looked up.
    status = status_of(found.ledger, number, now=now) if found.query_codes.matches(number, code) else None
    if status is None:
        found.attempts.wrong(client, number, now=now)
        raise UnknownStatusError()
    return status


def _message(error: GovbizError) -> str:
    if isinstance(error, UnknownStatusError):
        return "没有找到与该编号和查询码相符的问题，请核对后再试"
    return "查询次数过多，请稍后再试"


def _page(request: Request, token: str, *, status: int = 200, **context: object) -> Response:
    bench = workbench(request)
    session = bench.sessions.find(request.cookies.get(COOKIE), now=bench.now())
    user = bench.users.get(session.login) if session is not None else None
    return page(request, "status.html", user=user, session=session, form_token=token, status=status,
                clocks=_CLOCKS, **context)  # fmt: skip
