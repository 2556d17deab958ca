"""What every workbench page shares: the signed-in user, CSRF checks, forms, and rendering.

A page asks `signed_in(request)` for the user and session (or sends the
browser to the sign-in page), renders a template with `page(...)`, and a
form handler calls `checked_form(request, session)`, which refuses (403) a
POST whose CSRF token is missing or wrong before anything else happens.
Every answer carries a strict Content-Security-Policy: the pages load only
the package's own stylesheet and run no script.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

import attrs
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from govbiz.attachments import AttachmentLimits
from govbiz.clock import beijing
from govbiz.domain.actors import Role
from govbiz.errors import GovbizError
from govbiz.ports.storage import RecordKind
from govbiz_api.app import Services
from govbiz_api.limits import RateLimit, RateLimiter
from govbiz_api.problem_details import problem_for
from govbiz_api.workbench.sessions import SessionStore, WebSession, same_token
from govbiz_api.workbench.users import User, UserStore

__all__ = [
    "COOKIE",
    "LOGIN_CSRF_COOKIE",
    "SECURE_ENV",
    "SIGN_INS_PER_CLIENT",
    "SIGN_INS_PER_LOGIN",
    "Form",
    "SignInNeeded",
    "Workbench",
    "checked_form",
    "error_page",
    "page",
    "signed_in",
    "workbench",
]

#: The session cookie's name.
COOKIE = "govbiz_session"
#: The cookie that guards the forms shown before signing in (sign-in, 企业查询): double-submit.
LOGIN_CSRF_COOKIE = "govbiz_form"
#: Set to 1 to mark every cookie Secure (behind a TLS proxy that does not say X-Forwarded-Proto).
SECURE_ENV = "GOVBIZ_SECURE_COOKIES"
#: Sign-in attempts, against password guessing: per client address, and per login.
SIGN_INS_PER_CLIENT = RateLimit(30, timedelta(minutes=5))
SIGN_INS_PER_LOGIN = RateLimit(10, timedelta(minutes=5))
#: Form bodies larger than this are refused before they are parsed (bytes).
MAX_FORM = 64 * 1024

_ENV = Environment(
    loader=PackageLoader("govbiz_api.workbench", "templates"), autoescape=select_autoescape(default=True),
    trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@attrs.frozen
class Workbench:
    """The workbench's services: the API's (the ledger), its users and sign-in sessions.

    `secure_cookies` forces the Secure flag; otherwise cookies are Secure
    when the request came over HTTPS (a proxy's X-Forwarded-Proto counts).
    """

    services: Services
    users: UserStore
    sessions: SessionStore
    secure_cookies: bool = False
    #: What files may be attached (附件): size and kinds.
    attachment_limits: AttachmentLimits = attrs.field(factory=AttachmentLimits)
    #: Sign-in with the county's provider (`govbiz_api.workbench.oidc_signin.WorkbenchOidc`), if set up.
    oidc: Any = None
    #: Sign-in attempts allowed per client address, and per login (in each process).
    sign_ins_per_client: RateLimiter = attrs.field(factory=lambda: RateLimiter(SIGN_INS_PER_CLIENT))
    sign_ins_per_login: RateLimiter = attrs.field(factory=lambda: RateLimiter(SIGN_INS_PER_LOGIN))

    def now(self) -> datetime:
        """The ledger clock's now."""
        return self.services.ledger.clock.now()

    def secure(self, request: Request) -> bool:
        """Whether cookies for `request` get the Secure flag."""
        return self.secure_cookies or os.environ.get(SECURE_ENV) == "1" or request.url.scheme == "https"


def workbench(request: Request) -> Workbench:
    """The application's workbench."""
    found = request.app.state.workbench
    assert isinstance(found, Workbench)
    return found


class SignInNeeded(Exception):
    """No live session: the page answers with a redirect to the sign-in page."""

    def __init__(self, request: Request) -> None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        self.response = RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
        super().__init__("sign in first")


def signed_in(request: Request) -> tuple[User, WebSession]:
    """The signed-in user and session of `request`; `SignInNeeded` when there is none (or it went idle)."""
    bench = workbench(request)
    session = bench.sessions.find(request.cookies.get(COOKIE), now=bench.now())
    if session is None:
        raise SignInNeeded(request)
    try:
        user = bench.users.get(session.login)
    except GovbizError:
        user = None
    if user is None or user.disabled_at is not None:
        bench.sessions.close_all(session.login)
        raise SignInNeeded(request)
    return user, session


@attrs.frozen
class Form:
    """A submitted form: each field's values in order."""

    fields: Mapping[str, tuple[str, ...]]

    def get(self, name: str) -> str:
        """The field's first value, stripped ("" when absent)."""
        values = self.fields.get(name, ())
        return values[0].strip() if values else ""

    def all(self, name: str) -> tuple[str, ...]:
        """Every non-empty value of the field (a multiple select)."""
        return tuple(v.strip() for v in self.fields.get(name, ()) if v.strip())


class CsrfRefused(Exception):
    """The form's CSRF token is missing or wrong (HTTP 403)."""


async def read_form(request: Request) -> Form:
    """The request's URL-encoded form (`application/x-www-form-urlencoded`, what a plain form posts)."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise CsrfRefused()
    fields: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, []).append(value)
    return Form({name: tuple(values) for name, values in fields.items()})


async def checked_form(request: Request, expected: str | None) -> Form:
    """The form, if its `csrf` field is `expected` (the session's, or the pre-sign-in cookie's).

    `CsrfRefused` otherwise, before the form is acted on.  A cross-site form
    cannot know the token: it is in no cookie the other site may read.
    """
    form = await read_form(request)
    if expected is None or not same_token(form.get("csrf"), expected):
        raise CsrfRefused()
    return form


def nav(user: User | None) -> list[tuple[str, str]]:
    """The menu: every page (the library decides what each shows and allows, not the menu)."""
    if user is None:
        return [("/status", "企业查询")]
    items = [
        ("/ledger", "台账"), ("/department", "部门工作台"), ("/sessions", "接待日"), ("/visits", "回访"),
        ("/supervision", "督查"), ("/admin", "管理"), ("/status", "企业查询"),
    ]  # fmt: skip
    if user.actor.role is Role.DEPARTMENT_HANDLER:
        items.insert(0, items.pop(1))
    return items


def page(
    request: Request, template: str, *, user: User | None, session: WebSession | None, status: int = 200,
    form_token: str | None = None, **context: Any,
) -> HTMLResponse:  # fmt: skip
    """Render `template` as a page of the workbench."""
    html = _ENV.get_template(template).render(
        request=request, user=user, csrf=form_token or (session.csrf if session else None),
        session_csrf=session.csrf if session else None, nav=nav(user), unit=_unit(request, user),
        path=request.url.path, now=workbench(request).now().astimezone(beijing()), **context,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _unit(request: Request, user: User | None) -> str:
    """The signed-in user's department by its short name (else its role's name), for the header."""
    if user is None:
        return ""
    code = user.actor.department
    if code is None:
        return user.actor.role.label_zh
    try:
        department = workbench(request).services.ledger.record(user.actor, RecordKind.DEPARTMENT, code)
    except GovbizError:
        return code
    return str(department.short_name or department.name)


def error_page(
    request: Request, error: GovbizError | None, *, user: User | None, session: WebSession | None,
    status: int | None = None, title: str | None = None, detail: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """An error as a page: the library's refusal in Chinese, with the status it has over HTTP."""
    if error is not None:
        problem = problem_for(error, "zh")
        status = status or problem.status
        title = title or str(problem.body.get("title", "出错了"))
        detail = detail or str(problem.body.get("detail", ""))
    return page(request, "error.html", user=user, session=session, status=status or 400,
                title=title or "出错了", detail=detail or "")  # fmt: skip


def with_headers(response: Response) -> Response:
    """`response` with the workbench's security headers."""
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response
