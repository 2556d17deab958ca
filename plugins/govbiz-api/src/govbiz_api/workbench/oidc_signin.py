"""统一身份认证登录: signing in to the workbench with the county's OIDC provider.

The authorization-code flow with PKCE (RFC 7636, `S256`), `state` and
`nonce`: `/login/oidc` makes a random state, nonce and code verifier, keeps
them in a short-lived HttpOnly cookie of this site, and sends the browser
to the provider's authorization endpoint.  The provider sends it back to
`/login/oidc/callback` with a code; the state must be the cookie's, the
code is exchanged at the token endpoint (with the client secret, HTTP
Basic, and the verifier), and the ID token is checked by
`govbiz_api.oidc.OidcVerifier`, the API's own validation: signature by the
provider's JWKS, issuer, audience (our client id), expiry, then the nonce.
Its claims map to an `Actor` as for the API (`[claims]`, `[roles]`); an
unmapped role, a wrong audience, an expired token or a wrong state is
refused with a page saying so, and no session is opened.

The person is then a workbench user like any other, `oidc-…` by the
provider's subject (made, or brought up to date with the claims, on each
sign-in; no password can open it), so `govbiz user disable` works on them.

Settings: the `[workbench]` table of the OIDC settings file
(`govbiz serve --oidc FILE`)::

    issuer = "https://sso.zjj.gov.cn/realms/govbiz"
    audience = "govbiz-api"
    jwks = "https://sso.zjj.gov.cn/realms/govbiz/protocol/openid-connect/certs"

    [workbench]
    client_id = "govbiz-workbench"
    client_secret_env = "GOVBIZ_OIDC_CLIENT_SECRET"   # the variable holding the secret, never the secret
    redirect_url = "https://govbiz.zjj.gov.cn/login/oidc/callback"
    scopes = "openid profile"                         # the default: "openid"
    label = "张家界市统一身份认证"                      # what the sign-in button says

The endpoints come from the provider's discovery document
(`{issuer}/.well-known/openid-configuration`), read once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govbiz.errors import ValidationError
from govbiz_api.oidc import OidcSettings, OidcVerifier, is_url
from govbiz_api.tokens import TokenRefusedError
from govbiz_api.workbench.sessions import same_token
from govbiz_api.workbench.signin import safe_next
from govbiz_api.workbench.users import SignInRefusedError
from govbiz_api.workbench.web import COOKIE, page, with_headers, workbench

__all__ = ["FLOW_COOKIE", "OidcSignInError", "WorkbenchOidc", "router"]

router = APIRouter(include_in_schema=False)

#: The cookie holding a sign-in under way: state, nonce, PKCE verifier and where to go after.
FLOW_COOKIE = "govbiz_oidc"
#: How long a sign-in at the provider may take (seconds).
FLOW_SECONDS = 600
_TIMEOUT = 10


class OidcSignInError(Exception):
    """A sign-in through the provider refused: `reason` says why (shown on the page)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@attrs.define
class WorkbenchOidc:
    """The workbench as an OIDC client of the county's provider."""

    settings: OidcSettings
    client_id: str
    client_secret_env: str
    redirect_url: str
    scopes: str = "openid"
    label: str = "统一身份认证登录"
    _endpoints: dict[str, str] | None = attrs.field(default=None, init=False, repr=False)
    _verifier: OidcVerifier | None = attrs.field(default=None, init=False, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_toml(cls, path: Path) -> WorkbenchOidc | None:
        """The `[workbench]` table of the OIDC settings file, or `None` when it has none."""
        settings = OidcSettings.from_toml(path)
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("workbench")
        if data is None:
            return None
        for key in ("client_id", "client_secret_env", "redirect_url"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValidationError(f"oidc.workbench.{key}", data.get(key), "is required (text)")
        if not is_url(data["redirect_url"]):
            raise ValidationError("oidc.workbench.redirect_url", data["redirect_url"], "is an https:// URL")
        return cls(
            settings, data["client_id"], data["client_secret_env"], data["redirect_url"],
            scopes=str(data.get("scopes", "openid")), label=str(data.get("label", "统一身份认证登录")),
        )  # fmt: skip

    def secret(self) -> str:
        """The client secret, from its environment variable (read on each use: it may be rotated)."""
        value = os.environ.get(self.client_secret_env, "")
        if not value:
            raise OidcSignInError(f"未配置客户端密钥（环境变量 {self.client_secret_env}）")
        return value

    def endpoints(self) -> dict[str, str]:
        """The provider's authorization, token and JWKS endpoints (its discovery document, read once)."""
        with self._lock:
            if self._endpoints is None:
                url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
                found = _get_json(url)
                if found.get("issuer") != self.settings.issuer:
                    raise OidcSignInError("认证服务的发现文档与配置的 issuer 不一致")
                wanted = ("authorization_endpoint", "token_endpoint", "jwks_uri")
                if not all(isinstance(found.get(k), str) and is_url(found[k]) for k in wanted):
                    raise OidcSignInError("认证服务的发现文档缺少端点")
                self._endpoints = {k: str(found[k]) for k in wanted}
            return self._endpoints

    def verifier(self) -> OidcVerifier:
        """The API's JWT validation, for ID tokens: our client id is their audience."""
        endpoints = self.endpoints()
        with self._lock:
            if self._verifier is None:
                ours = attrs.evolve(self.settings, audience=self.client_id, jwks=endpoints["jwks_uri"])
                self._verifier = OidcVerifier(ours)
            return self._verifier


@attrs.frozen(slots=True)
class _Flow:
    state: str
    nonce: str
    verifier: str
    next: str

    def text(self) -> str:
        return json.dumps([self.state, self.nonce, self.verifier, self.next])

    @classmethod
    def of(cls, text: str | None) -> _Flow | None:
        try:
            state, nonce, verifier, target = json.loads(text or "")
        except (ValueError, TypeError):
            return None
        return cls(str(state), str(nonce), str(verifier), safe_next(str(target)))


def _configured(request: Request) -> WorkbenchOidc:
    found = workbench(request).oidc
    if not isinstance(found, WorkbenchOidc):
        raise OidcSignInError("本系统未配置统一身份认证")
    return found


@router.get("/login/oidc")
def start(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    """Go to the provider's sign-in, with a fresh state, nonce and PKCE challenge."""
    try:
        oidc = _configured(request)
        endpoint = oidc.endpoints()["authorization_endpoint"]
    except OidcSignInError as error:
        return _refused(request, error.reason)
    random = secrets.token_urlsafe
    flow = _Flow(random(32), random(32), random(48), safe_next(next))
    digest = hashlib.sha256(flow.verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": oidc.client_id, "redirect_uri": oidc.redirect_url,
        "scope": oidc.scopes, "state": flow.state, "nonce": flow.nonce, "code_challenge": challenge,
        "code_challenge_method": "S256",
    })  # fmt: skip
    separator = "&" if "?" in endpoint else "?"
    response = with_headers(RedirectResponse(f"{endpoint}{separator}{query}", status_code=303))
    response.set_cookie(
        FLOW_COOKIE, flow.text(), max_age=FLOW_SECONDS, httponly=True, samesite="lax",
        secure=workbench(request).secure(request), path="/login/oidc",
    )  # fmt: skip
    return response


@router.get("/login/oidc/callback")
async def callback(request: Request) -> Response:
    """Back from the provider: check the state, exchange the code, check the ID token, open a session."""
    flow = _Flow.of(request.cookies.get(FLOW_COOKIE))
    params = request.query_params
    try:
        oidc = _configured(request)
        if params.get("error"):
            raise OidcSignInError(f"认证服务拒绝登录：{params.get('error_description') or params['error']}")
        if flow is None or not same_token(params.get("state"), flow.state):
            raise OidcSignInError("登录请求的 state 不符（可能已过期，或来自其他网站），请重新登录")
        code = params.get("code") or ""
        if not code:
            raise OidcSignInError("认证服务未返回授权码")
        user = await run_in_threadpool(_signed_in_user, request, oidc, code, flow)
    except OidcSignInError as error:
        return _refused(request, error.reason)
    bench = workbench(request)
    old = request.cookies.get(COOKIE)
    if old:
        await run_in_threadpool(bench.sessions.close, old)
    secret, _ = await run_in_threadpool(lambda: bench.sessions.open(user.login, now=bench.now()))
    assert flow is not None
    response = with_headers(RedirectResponse(flow.next, status_code=303))
    response.set_cookie(COOKIE, secret, httponly=True, samesite="lax", secure=bench.secure(request), path="/")
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc", httponly=True, samesite="lax")
    return response


def _signed_in_user(request: Request, oidc: WorkbenchOidc, code: str, flow: _Flow) -> Any:
    """The workbench user the ID token of `code` stands for (made or updated from its claims)."""
    answer = _exchange(oidc, code, flow.verifier)
    id_token = answer.get("id_token")
    if not isinstance(id_token, str):
        raise OidcSignInError("认证服务未返回 ID 令牌")
    verifier = oidc.verifier()
    try:
        claims = verifier.claims(id_token)
        if not same_token(str(claims.get("nonce") or ""), flow.nonce):
            raise OidcSignInError("ID 令牌的 nonce 不符，已拒绝（可能是重放）")
        token = verifier.mapped(claims)
    except TokenRefusedError as error:
        raise OidcSignInError(_REASONS.get(error.reason, "ID 令牌无效")) from None
    bench = workbench(request)
    try:
        return bench.users.sync_external(token.id, token.actor, now=bench.now())
    except SignInRefusedError:
        raise OidcSignInError("该账号已停用") from None


_REASONS = {
    "expired": "ID 令牌已过期，请重新登录",
    "invalid": "ID 令牌无效（签名、签发方或受众不符，或缺少必需的声明）",
    "unmapped_role": "您在统一身份认证中的角色未对应本系统的角色，请联系管理员",
}


def _exchange(oidc: WorkbenchOidc, code: str, verifier: str) -> dict[str, Any]:
    """The token endpoint's answer to the code (client_secret_basic, with the PKCE verifier)."""
    body = urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": oidc.redirect_url,
        "code_verifier": verifier, "client_id": oidc.client_id,
    }).encode()  # fmt: skip
    basic = base64.b64encode(
        f"{urllib.parse.quote(oidc.client_id, safe='')}:{urllib.parse.quote(oidc.secret(), safe='')}".encode()
    ).decode()
    request = urllib.request.Request(
        oidc.endpoints()["token_endpoint"], data=body, method="POST",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json"},
    )  # fmt: skip
    return _read_json(request)


def _get_json(url: str) -> dict[str, Any]:
    if not is_url(url):
        raise OidcSignInError("认证服务地址须为 https://")
    return _read_json(urllib.request.Request(url, headers={"Accept": "application/json"}))


def _read_json(request: urllib.request.Request) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:
            found = json.loads(answer.read(1_000_000))
    except urllib.error.HTTPError as error:
        error.close()
        raise OidcSignInError(f"认证服务拒绝了请求（HTTP {error.code}）") from None
    except (OSError, ValueError):
        raise OidcSignInError("无法连接认证服务，或其应答不可读") from None
    if not isinstance(found, dict):
        raise OidcSignInError("认证服务的应答不可读")
    return found


def _refused(request: Request, reason: str) -> Response:
    response = page(request, "error.html", user=None, session=None, status=400, title="统一身份认证登录失败",
                    detail=reason)  # fmt: skip
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc", httponly=True, samesite="lax")
    return response
