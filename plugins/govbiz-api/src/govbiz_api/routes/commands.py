"""`POST /v1/commands/{CommandName}`: every Ledger command over HTTP (指令).

The body is the command as JSON, validated by the command's own pydantic
model (`Command.parse`, so the errors are the library's, contacts masked);
its JSON Schema is the request body's schema in the OpenAPI document.  The
answer is what `Ledger.handle` returned, as JSON: the changed problem (with
its version as `ETag`) or the registry record.

- `If-Match` (problem commands): the version the caller last saw.  A stale
  one is refused with 412 and nothing changes, also when another writer
  commits between the check and this command (the command then runs in a
  `Ledger.unit` that is discarded).  Without it, a lost race is 409 with the
  current version.
- `Idempotency-Key`: see `govbiz_api.idempotency`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from govbiz import commands as c
from govbiz.domain.actors import Actor
from govbiz.domain.problem import Problem
from govbiz.errors import ConcurrencyError, GovbizError, ValidationError
from govbiz.ledger import Ledger
from govbiz.records import ProblemRecord
from govbiz_api.app import Services, authenticated, bearer, problem_response, services
from govbiz_api.idempotency import HEADER, MAX_KEY, StoredAnswer, request_digest
from govbiz_api.problem_details import MEDIA_TYPE, PreconditionFailedError, language, problem_for
from govbiz_api.views import etag, record_json

__all__ = ["ProblemJson", "publish_schemas", "router"]

router = APIRouter(tags=["commands"])

#: Response headers an idempotent replay repeats.
_REPLAYED_HEADERS = ("content-type", "etag", "content-language")
_KEY = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: a UUID, a ULID, a county system's request id


class ProblemJson(BaseModel):
    """An error (RFC 9457 problem details); the members beyond these depend on `type`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str


_PROBLEM_JSON = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemJson"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": _PROBLEM_JSON}
    for status, text in {
        401: "No valid token (令牌无效)",
        403: "The caller may not (无权操作)",
        404: "No such record in the caller's division",
        409: "Not allowed in the problem's state, or changed meanwhile (current_version)",
        412: "If-Match names a stale version",
        422: "Invalid input, or an Idempotency-Key reused for another request",
        429: "Too many requests: wait Retry-After seconds (限流)",
    }.items()
}
#: The errors any query may answer, beside its own (the public lookup needs no token: no 401).
_QUERY_ERRORS = (401, 403, 404, 422, 429)
_PUBLIC_ERRORS = (404, 422, 429)


def _returns_problem(command: type[c.Command[Any]]) -> bool:
    for base in command.__mro__:
        args = getattr(base, "__pydantic_generic_metadata__", {}).get("args", ())
        if args:
            return bool(args[0] is Problem)
    return False


def _route(command: type[c.Command[Any]]) -> None:
    name = command.__name__

    async def endpoint(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008 (FastAPI's idiom)
        idempotency_key: str | None = Header(None, alias=HEADER, description="Same key, same answer, 24 h"),
        if_match: str | None = Header(None, alias="If-Match", description="Problem commands: its ETag"),
    ) -> Response:
        body = await request.body()
        # The token is checked in the same worker thread as the command: one thread hop, not two.
        return await run_in_threadpool(_post, request, credentials, command, body, idempotency_key, if_match)

    doc = (command.__doc__ or name).strip()
    returns_problem = _returns_problem(command)
    success: dict[str, Any] = {"description": "The changed problem" if returns_problem else "The record"}
    if returns_problem:
        success["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ProblemRecord"}}}
        success["headers"] = {"ETag": {"description": "The problem's version", "schema": {"type": "string"}}}
    router.add_api_route(
        f"/commands/{name}",
        endpoint,
        methods=["POST"],
        name=name,
        operation_id=name,
        summary=doc.splitlines()[0],
        description=doc,
        response_model=None,
        responses={200: success, **_ERRORS},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
            }
        },
    )


for _command in c.COMMANDS:
    _route(_command)


def _post(  # noqa: PLR0917 (run_in_threadpool passes them in order)
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    command: type[c.Command[Any]],
    body: bytes,
    key: str | None,
    if_match: str | None,
) -> Response:
    found = services(request)
    token = authenticated(found, credentials)
    lang = language(request.headers.get("accept-language"))
    if key is None:
        return _answer(found, token.actor, command, body, if_match=if_match, lang=lang)
    if len(key) > MAX_KEY or not _KEY.match(key):
        error = ValidationError(HEADER, key[:MAX_KEY], f"use 1 to {MAX_KEY} visible ASCII characters")
        return problem_response(problem_for(error, lang), lang)
    now = found.ledger.clock.now()
    digest = request_digest("POST", request.url.path, body)
    try:
        stored = found.idempotency.reserve(token.id, key, digest, now=now)
    except GovbizError as error:
        return problem_response(problem_for(error, lang), lang)
    if stored is not None:
        replayed = {**stored.headers, "Idempotency-Replayed": "true"}
        return Response(stored.body, stored.status, headers=replayed)
    try:
        response = _answer(found, token.actor, command, body, if_match=if_match, lang=lang)
    except BaseException:
        found.idempotency.release(token.id, key)
        raise
    if response.status_code >= 500:
        found.idempotency.release(token.id, key)
        return response
    kept = {name: response.headers[name] for name in _REPLAYED_HEADERS if name in response.headers}
    found.idempotency.answer(token.id, key, StoredAnswer(response.status_code, kept, bytes(response.body)))
    return response


def _answer(
    found: Services,
    actor: Actor,
    command: type[c.Command[Any]],
    body: bytes,
    *,
    if_match: str | None,
    lang: str,
) -> Response:
    try:
        parsed = command.parse(body or b"")
        result = _handle(found.ledger, actor, parsed, if_match)
    except GovbizError as error:
        return problem_response(problem_for(error, lang), lang)
    headers = {"ETag": etag(result)} if isinstance(result, Problem) else {}
    return JSONResponse(record_json(result), headers=headers)


def _handle(ledger: Ledger, actor: Actor, command: c.Command[Any], if_match: str | None) -> Any:
    problem_id = getattr(command, "problem_id", None)
    if if_match is None or not isinstance(problem_id, str):
        return ledger.handle(actor, command)
    versions = _versions(if_match)
    current = ledger.problem(actor, problem_id).version
    if versions is not None and current not in versions:
        raise PreconditionFailedError(problem_id, if_match, current)
    try:
        with ledger.unit() as unit:
            result = unit.handle(actor, command)
            # Another writer may have committed since the check: the command then ran on a
            # newer version than the caller saw, and leaving the block with an error discards it.
            if versions is not None and isinstance(result, Problem) and result.version - 1 not in versions:
                raise PreconditionFailedError(problem_id, if_match, result.version - 1)
    except ConcurrencyError as error:
        raise PreconditionFailedError(problem_id, if_match, error.actual or current) from error
    return result


def _versions(if_match: str) -> set[int] | None:
    """The versions an `If-Match` header names (`None` for `*`: any); an unreadable tag names none."""
    if if_match.strip() == "*":
        return None
    found = set()
    for tag in if_match.split(","):
        text = tag.strip().removeprefix("W/").strip('"')
        if text.isdigit():
            found.add(int(text))
    return found


def publish_schemas(app: FastAPI) -> None:
    """Put every command's JSON Schema (and the error's) into the OpenAPI document's components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, description=app.description,
            routes=app.routes,
        )  # fmt: skip
        models: list[type[BaseModel]] = [*c.COMMANDS, ProblemJson, ProblemRecord]
        _, defs = models_json_schema(
            [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in defs.get("$defs", {}).items():
            components.setdefault(name, definition)
        _document_errors(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_errors(schema: dict[str, Any]) -> None:
    """Every `/v1` operation's error answers as they are sent: problem details, never FastAPI's own.

    FastAPI documents a 422 of its `HTTPValidationError` shape as
    `application/json`; the API answers every error, a request validation
    error too, as `application/problem+json` (`govbiz_api.app`).
    """
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        statuses = _PUBLIC_ERRORS if path.startswith("/v1/public/") else _QUERY_ERRORS
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(str(status), _ERRORS[status])
            responses["422"] = _ERRORS[422]
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's, no longer referred to
        if f'"#/components/schemas/{unused}"' not in json.dumps(schema):
            components.pop(unused, None)
