"""The ASGI application (接口服务): `create_app` builds it around one ledger.

Nothing happens on import: `create_app(url_or_ledger)` opens the ledger (if
given a URL), its API tables and the token store, and returns a FastAPI
application whose routes are all under `/v1` and whose OpenAPI 3.1 document
is at `/openapi.json`.  Every request but the document names its token
(`Authorization: Bearer gbz_…`); the token's `Actor` is who calls the
ledger, so the library's role, county and department rules decide it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import attrs
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from govbiz.attachments import DEFAULT_MAX_BYTES, AttachmentLimits
from govbiz.errors import GovbizError, ValidationError
from govbiz.ledger import Ledger
from govbiz.storage.attachments import FileAttachmentStore
from govbiz_api.idempotency import IdempotencyStore
from govbiz_api.limits import PER_CLIENT, PER_TOKEN, Limiter, RateLimit, RateLimiter, SharedRateLimiter
from govbiz_api.oidc import OidcSettings, OidcVerifier, looks_like_jwt
from govbiz_api.problem_details import MEDIA_TYPE, Problem, language, problem_for, problem_of_status
from govbiz_api.status import QueryCodes, StatusAttempts, StatusLimits
from govbiz_api.tables import ApiDatabase
from govbiz_api.tokens import ApiToken, TokenStore

if TYPE_CHECKING:
    from govbiz.ports.attachments import AttachmentStore
    from govbiz_api.workbench.oidc_signin import WorkbenchOidc

__all__ = [
    "ATTACHMENTS_ENV", "ATTACHMENT_MAX_ENV", "DEFAULT_ATTACHMENTS", "SHARED_LIMITS_ENV", "Services",
    "authenticated", "bearer", "caller", "create_app", "limits_from_environment", "problem_response",
    "services",
]  # fmt: skip

#: `1` keeps the rate limits in the database (every process counts together), `0` in each process.
SHARED_LIMITS_ENV = "GOVBIZ_API_SHARED_LIMITS"

log = logging.getLogger("govbiz.api")

#: The folder attachments' bytes are kept in (`govbiz serve --attachments DIR` sets it for its workers).
ATTACHMENTS_ENV = "GOVBIZ_ATTACHMENTS"
#: The largest attachment accepted, in MB (`govbiz serve --attachment-max-mb N`).
ATTACHMENT_MAX_ENV = "GOVBIZ_ATTACHMENT_MAX_MB"
#: The folder used when neither the ledger nor `$GOVBIZ_ATTACHMENTS` names one (relative to the working one).
DEFAULT_ATTACHMENTS = "govbiz-attachments"


def limits_from_environment() -> AttachmentLimits:
    """The attachment limits `$GOVBIZ_ATTACHMENT_MAX_MB` sets (10 MB when unset)."""
    given = os.environ.get(ATTACHMENT_MAX_ENV)
    if not given:
        return AttachmentLimits(max_bytes=DEFAULT_MAX_BYTES)
    try:
        megabytes = float(given)
    except ValueError:
        megabytes = 0
    if not 0 < megabytes <= 1024:
        raise ValidationError(ATTACHMENT_MAX_ENV, given, "is a size in MB, above 0 and at most 1024")
    return AttachmentLimits(max_bytes=int(megabytes * 1024 * 1024))


@attrs.frozen
class Services:
    """What the routes use: the ledger, its tokens, idempotency keys, query codes and lookup limits."""

    ledger: Ledger
    database: ApiDatabase
    tokens: TokenStore
    idempotency: IdempotencyStore
    query_codes: QueryCodes
    attempts: StatusAttempts
    per_token: Limiter
    per_client: Limiter
    oidc: OidcVerifier | None = None
    #: The checkpoint public key `GET /v1/audit/verify` checks with: configuration, never the database.
    checkpoint_public_key: Path | None = None


def create_app(
    ledger: Ledger | str | None = None,
    *,
    title: str = "govbiz",
    status_limits: StatusLimits | None = None,
    per_token: RateLimit = PER_TOKEN,
    per_client: RateLimit = PER_CLIENT,
    oidc: OidcSettings | None = None,
    attachments: AttachmentStore | None = None,
    attachment_limits: AttachmentLimits | None = None,
    workbench_oidc: WorkbenchOidc | None = None,
    checkpoint_public_key: Path | None = None,
    shared_limits: bool | None = None,
) -> FastAPI:
    """The HTTP API over `ledger` (a `Ledger`, or a storage URL opened with `govbiz.open`).

    `None` opens `$GOVBIZ_DB` (else `sqlite:///govbiz.db`), as the
    command line does.  A ledger opened here is closed when the application
    shuts down; a `Ledger` given is left open for its owner.  `status_limits`
    sets how many wrong public status lookups are allowed (`StatusLimits`);
    `per_token` limits each token's requests (600 a minute), `per_client`
    each address's public lookups (60 a minute): counted in the database,
    for every process together, when `shared_limits` (default:
    `$GOVBIZ_API_SHARED_LIMITS`, else on PostgreSQL), in this process
    otherwise (`govbiz_api.limits`).  With
    `oidc`, bearer JWTs of the county's identity provider are accepted too
    (`govbiz_api.oidc`).  `attachments` keeps the bytes of files attached to
    problems; without it, a ledger that has no store of its own keeps them in
    the folder `$GOVBIZ_ATTACHMENTS` (else `govbiz-attachments`), a
    `govbiz.storage.attachments.FileAttachmentStore`; `attachment_limits`
    (default: `$GOVBIZ_ATTACHMENT_MAX_MB`, else 10 MB) bounds what is
    accepted.  With `workbench_oidc`, the workbench signs people in with the
    county's identity provider too (`govbiz_api.workbench.oidc_signin`).
    `checkpoint_public_key` (default
    `$GOVBIZ_CHECKPOINT_PUBLIC_KEY`) is the PEM file `GET /v1/audit/verify`
    checks the signed checkpoints with.
    """
    import govbiz

    owned = not isinstance(ledger, Ledger)
    opened = ledger if isinstance(ledger, Ledger) else govbiz.open(ledger)
    if attachments is not None:
        opened.attachments = attachments
    elif opened.attachments is None:
        opened.attachments = FileAttachmentStore(os.environ.get(ATTACHMENTS_ENV) or DEFAULT_ATTACHMENTS)
    database = ApiDatabase(opened.store)
    shared = _shares_limits(opened) if shared_limits is None else shared_limits

    def limiter(limit: RateLimit, scope: str) -> Limiter:
        return SharedRateLimiter(limit, database, scope) if shared else RateLimiter(limit)

    found = Services(
        opened,
        database,
        TokenStore(database),
        IdempotencyStore(database),
        QueryCodes(database),
        StatusAttempts(database, status_limits),
        limiter(per_token, "token"),
        limiter(per_client, "client"),
        OidcVerifier(oidc) if oidc is not None else None,
        checkpoint_public_key or _configured_public_key(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        database.close()
        if owned:
            opened.close()

    app = FastAPI(
        title=title,
        version=govbiz.__version__,
        summary="政企面对面暨企业家接待日问题台账 over HTTP",
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = found
    _install_error_handlers(app)
    from govbiz_api.routes import attachments as attachment_routes
    from govbiz_api.routes import audit, calendar, commands, problems, public, registry, reports, scores

    limits = attachment_limits or limits_from_environment()
    app.state.attachment_limits = limits
    for module in (commands, problems, attachment_routes, registry, reports, scores, calendar, audit, public):
        app.include_router(module.router, prefix="/v1")
    commands.publish_schemas(app)
    # --- the browser workbench (工作台) under /, beside the API under /v1: govbiz_api.workbench ---
    from govbiz_api.workbench import mount_workbench

    mount_workbench(app, found, attachment_limits=limits, oidc=workbench_oidc)
    return app


def _shares_limits(ledger: Ledger) -> bool:
    """Whether several processes may serve this ledger: `$GOVBIZ_API_SHARED_LIMITS`, else PostgreSQL."""
    configured = os.environ.get(SHARED_LIMITS_ENV, "").strip()
    if configured:
        return configured == "1"
    dialect = getattr(ledger.store, "dialect", None)
    return getattr(dialect, "name", "") == "postgresql"


def _configured_public_key() -> Path | None:
    configured = os.environ.get("GOVBIZ_CHECKPOINT_PUBLIC_KEY", "").strip()
    return Path(configured) if configured else None


_DESCRIPTION = """\
Every Ledger command is `POST /v1/commands/{CommandName}` with the command as its JSON body;
the queries are `GET` routes. Authenticate with `Authorization: Bearer <token>` (`govbiz token create`).
Problem responses carry the problem's version as `ETag`; send it back as `If-Match` to refuse a stale
change (412). Every POST accepts `Idempotency-Key`. Errors are RFC 9457 `application/problem+json`,
in Chinese unless `Accept-Language` prefers English.
"""


def services(request: Request) -> Services:
    """The application's services (a dependency)."""
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


#: The security scheme the OpenAPI document names: `Authorization: Bearer gbz_…`.
bearer = HTTPBearer(auto_error=False, bearerFormat="gbz_<id>_<secret>", description="govbiz token create")


def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ApiToken:
    """The token of the request (a dependency): `TokenRefusedError` (401) when there is none valid."""
    return authenticated(services(request), credentials)


def authenticated(found: Services, credentials: HTTPAuthorizationCredentials | None) -> ApiToken:
    """The token `credentials` carry, counted against its rate limit (`caller`, without FastAPI).

    A route that runs its work in the thread pool anyway calls this there
    itself, rather than depending on `caller`, which costs a thread hop of
    its own per request.
    """
    given = credentials.credentials.strip() if credentials is not None else None
    now = found.ledger.clock.now()
    if given and found.oidc is not None and looks_like_jwt(given):
        token = found.oidc.token(given)
        found.per_token.hit(token.id, now)
        return token
    return found.tokens.authenticate(given, now=now, counting=found.per_token)  # counted as it is checked


def problem_response(problem: Problem, lang: str) -> JSONResponse:
    """A problem details response, in `lang`."""
    headers = {**problem.headers, "Content-Language": "zh-CN" if lang == "zh" else "en"}
    return JSONResponse(problem.body, status_code=problem.status, media_type=MEDIA_TYPE, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    async def govbiz_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, GovbizError)
        lang = language(request.headers.get("accept-language"))
        return problem_response(problem_for(error, lang), lang)

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        lang = language(request.headers.get("accept-language"))
        errors = [_request_error(e) for e in error.errors()]
        first = errors[0] if errors else {"field": "", "value": None, "reason": "invalid request"}
        detail = f"{first['field']}: {first['reason']}"
        problem = problem_of_status(422, detail, lang, field=first["field"], value=first["value"],
                                    reason=first["reason"], errors=errors)  # fmt: skip
        return problem_response(problem, lang)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        lang = language(request.headers.get("accept-language"))
        problem = problem_of_status(error.status_code, str(error.detail), lang)
        return problem_response(attrs.evolve(problem, headers=dict(error.headers or {})), lang)

    async def server_error(request: Request, error: Exception) -> JSONResponse:
        # A bug, not the caller's fault: logged with its traceback, answered without one.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        lang = language(request.headers.get("accept-language"))
        return problem_response(problem_of_status(500, "internal error; see the server log", lang), lang)

    app.add_exception_handler(GovbizError, govbiz_error)
    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _request_error(error: Any) -> dict[str, Any]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "header", "body")]
    value = error.get("input")
    if not (value is None or isinstance(value, str | int | float | bool)):
        value = str(value)
    return {"field": ".".join(location), "value": value, "reason": str(error.get("msg", ""))}
