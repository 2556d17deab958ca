"""工作台: the browser workbench of a reception day, served by `govbiz serve` under `/`.

Server-rendered pages in Chinese (Jinja2 templates and one stylesheet, all
shipped in this package: no CDN, no script, no build step), over the same
ledger as the API under `/v1`:

- 登录 (`/login`): a password of a user made with `govbiz user create`;
  a session cookie (HttpOnly, SameSite=Lax, Secure behind TLS), a CSRF
  token in every form, sign-out, and an idle timeout;
- 台账 (`/ledger`) and 问题详情 (`/problems/{id}`), 部门工作台
  (`/department`), 接待日 (`/sessions`: plan one, 现场交办, the printed
  交办单), 回访 (`/visits`), 督查 (`/supervision`: the overdue board and
  the departments ranked), 管理 (`/admin`: the configuration in force, the
  calendar, users and tokens), 企业查询 (`/status`, without signing in).

Each user acts as an `Actor`; every page asks the `Ledger` as that actor,
so roles, counties and departments are the library's decision.
`mount_workbench` adds the pages to an application made by
`govbiz_api.create_app`, which does so itself.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from govbiz.attachments import AttachmentLimits
    from govbiz_api.app import Services
    from govbiz_api.workbench.oidc_signin import WorkbenchOidc

__all__ = ["mount_workbench"]

#: The files under /static/, with their media types.
_STATIC = {"workbench.css": "text/css; charset=utf-8", "gongwen.css": "text/css; charset=utf-8"}


def mount_workbench(
    app: FastAPI, services: Services, *, idle_timeout: timedelta | None = None, secure_cookies: bool = False,
    attachment_limits: AttachmentLimits | None = None, oidc: WorkbenchOidc | None = None,
) -> None:  # fmt: skip
    """Add the workbench's pages to `app` (an API application over `services`' ledger).

    `idle_timeout` ends a session unused that long (30 minutes by default);
    `secure_cookies` marks every cookie Secure even when the request does
    not say it came over HTTPS; `attachment_limits` bounds the files
    attached (10 MB of PDF, OFD, JPEG, PNG, TIFF by default); with `oidc`,
    the sign-in page offers the county's identity provider too.
    """
    from fastapi import Request
    from fastapi.responses import HTMLResponse, Response

    from govbiz.attachments import AttachmentLimits
    from govbiz_api.workbench import (
        admin,
        attachment_pages,
        circulars,
        enquiry,
        inbox,
        ledger_pages,
        oidc_signin,
        scores,
        sessions_pages,
        signin,
        supervision,
    )  # fmt: skip
    from govbiz_api.workbench.sessions import IDLE_TIMEOUT, SessionStore
    from govbiz_api.workbench.users import UserStore
    from govbiz_api.workbench.web import CsrfRefused, SignInNeeded, Workbench, page, with_headers

    app.state.workbench = Workbench(
        services=services,
        users=UserStore(services.database),
        sessions=SessionStore(services.database, idle_timeout or IDLE_TIMEOUT),
        secure_cookies=secure_cookies,
        attachment_limits=attachment_limits or AttachmentLimits(),
        oidc=oidc,
    )
    pages = (
        signin, oidc_signin, ledger_pages, attachment_pages, inbox, sessions_pages, supervision, circulars,
        scores, admin, enquiry,
    )  # fmt: skip
    for module in pages:
        app.include_router(module.router)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        media = _STATIC.get(name)
        if media is None:
            return Response("not found", status_code=404, media_type="text/plain")
        if name == "gongwen.css":  # the official documents' own styles, as the library lays them out
            from govbiz.documents.html import DOCUMENT_CSS

            body = DOCUMENT_CSS.encode("utf-8")
        else:
            body = resources.files("govbiz_api.workbench").joinpath("static", name).read_bytes()
        return with_headers(Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"}))

    async def sign_in_needed(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInNeeded)
        return with_headers(error.response)

    async def csrf_refused(request: Request, error: Exception) -> HTMLResponse:
        detail = "表单缺少有效的安全校验码（CSRF），可能来自其他网站。请回到页面重新提交。"
        return page(request, "error.html", user=None, session=None, status=403, title="请求被拒绝",
                    detail=detail)  # fmt: skip

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRefused, csrf_refused)
