"""登录与登出: the sign-in page, signing in with a password, and signing out.

Sign-in attempts are limited per client address and per login
(`SIGN_INS_PER_CLIENT`, `SIGN_INS_PER_LOGIN`), against password guessing.
The sign-in form is guarded like every other form: before there is a
session, its CSRF token is a random value also set as a cookie
(double-submit, `LOGIN_CSRF_COOKIE`), so another site cannot sign the
browser in to an account of its choosing.  A new session is opened on
every sign-in (the old cookie, if any, is ended), so a cookie planted
before signing in is worth nothing after.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govbiz_api.status import TooManyAttemptsError
from govbiz_api.workbench.users import SignInRefusedError
from govbiz_api.workbench.web import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    checked_form,
    page,
    signed_in,
    with_headers,
    workbench,
)

__all__ = ["form_token", "router", "safe_next", "set_form_cookie"]

router = APIRouter(include_in_schema=False)


def safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only (never `//other.site` or a URL)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def form_token(request: Request) -> str:
    """The pre-sign-in CSRF token: the browser's cookie, or a new one (set it with `set_form_cookie`)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_form_cookie(request: Request, response: Response, token: str) -> None:
    """Set the pre-sign-in CSRF cookie (HttpOnly, SameSite=Lax, Secure behind TLS)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=workbench(request).secure(request),
        path="/",
    )  # fmt: skip


@router.get("/login")
def login_page(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    """The sign-in page (登录)."""
    token = form_token(request)
    response = page(request, "login.html", user=None, session=None, form_token=token, next=safe_next(next),
                    oidc=workbench(request).oidc)  # fmt: skip
    set_form_cookie(request, response, token)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Sign in: a right password opens a session and sets its cookie; a wrong one shows the page again."""
    form = await checked_form(request, request.cookies.get(LOGIN_CSRF_COOKIE))
    bench = workbench(request)
    target = safe_next(form.get("next") or "/")
    client = request.client.host if request.client else "unknown"
    try:
        now = bench.now()
        bench.sign_ins_per_client.hit(client, now)
        bench.sign_ins_per_login.hit(form.get("login").casefold(), now)
    except TooManyAttemptsError as error:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        minutes = max(1, error.retry_after // 60)
        response = page(request, "login.html", user=None, session=None, form_token=token, next=target,
                        status=429, throttled=minutes, login=form.get("login"), oidc=bench.oidc)  # fmt: skip
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    try:
        user = await run_in_threadpool(bench.users.authenticate, form.get("login"), form.get("password"))
    except SignInRefusedError:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        return page(request, "login.html", user=None, session=None, form_token=token, next=target,
                    status=401, failed=True, login=form.get("login"), oidc=bench.oidc)  # fmt: skip
    old = request.cookies.get(COOKIE)
    if old:
        await run_in_threadpool(bench.sessions.close, old)
    secret, _ = await run_in_threadpool(lambda: bench.sessions.open(user.login, now=bench.now()))
    signed = with_headers(RedirectResponse(target, status_code=303))
    signed.set_cookie(
        COOKIE, secret, httponly=True, samesite="lax", secure=bench.secure(request), path="/",
    )  # fmt: skip
    return signed


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out (退出): the session ends on the server, and its cookie is cleared."""
    _, session = await run_in_threadpool(signed_in, request)
    await checked_form(request, session.csrf)
    await run_in_threadpool(workbench(request).sessions.close, request.cookies.get(COOKIE, ""))
    response = with_headers(RedirectResponse("/login", status_code=303))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response
