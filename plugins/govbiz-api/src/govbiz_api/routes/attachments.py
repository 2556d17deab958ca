"""附件 over HTTP: upload a file to a problem, list a problem's files, download one.

- `POST /v1/problems/{id}/attachments?file_name=…&note=…`: the body is the
  file's bytes (any `Content-Type`: the kind is told by the content).
  `govbiz.attachments.attach_file` checks the size and kind, stores the bytes,
  then records `AttachFile` as the caller; the answer is the changed problem.
  A body larger than the limit is refused (413) before it is read whole.
- `GET /v1/problems/{id}/attachments`: the files, as the history records them.
- `GET /v1/problems/{id}/attachments/{sha256}`: the bytes, to a caller who may
  read the problem (another county's gets 404, as for the problem).

`POST /v1/commands/AttachFile` records a file whose bytes the ledger's store
holds already (it is refused otherwise).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import attrs
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from govbiz.attachments import AttachmentLimits, attach_file, attachments, read_attachment
from govbiz_api.app import caller, services
from govbiz_api.tokens import ApiToken
from govbiz_api.views import etag, record_json

__all__ = ["router"]

router = APIRouter(tags=["attachments"])

Caller = Annotated[ApiToken, Depends(caller)]


def _limits(request: Request) -> AttachmentLimits:
    found = getattr(request.app.state, "attachment_limits", None)
    return found if isinstance(found, AttachmentLimits) else AttachmentLimits()


@router.post("/problems/{problem_id}/attachments", operation_id="attachFile")
async def upload(
    request: Request,
    problem_id: str,
    token: Caller,
    file_name: Annotated[str, Query(min_length=1, max_length=200, description="The file's name")],
    note: Annotated[str, Query(max_length=2000, description="What the file is")] = "",
) -> Response:
    """Attach the body's bytes to the problem (上传附件): checked, stored, then recorded."""
    limit = _limits(request).max_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return JSONResponse(
                {"type": "urn:govbiz:problem:too-large", "title": "文件过大", "status": 413,
                 "detail": f"附件不得超过 {limit} 字节"},
                status_code=413, media_type="application/problem+json",
            )  # fmt: skip
    ledger, data, limits = services(request).ledger, bytes(body), _limits(request)
    problem = await run_in_threadpool(
        lambda: attach_file(ledger, token.actor, problem_id, file_name, data, note=note, limits=limits)
    )
    return JSONResponse(record_json(problem), headers={"ETag": etag(problem)})


@router.get("/problems/{problem_id}/attachments", operation_id="listAttachments")
def listed(request: Request, problem_id: str, token: Caller) -> list[dict[str, Any]]:
    """The problem's files (附件列表), oldest first."""
    found = attachments(services(request).ledger, token.actor, problem_id)
    return [{**attrs.asdict(a), "attached_at": a.attached_at.isoformat()} for a in found]


@router.get("/problems/{problem_id}/attachments/{sha256}", operation_id="downloadAttachment")
def download(request: Request, problem_id: str, sha256: str, token: Caller) -> Response:
    """The bytes of one file of the problem, with its recorded media type."""
    attachment, data = read_attachment(services(request).ledger, token.actor, problem_id, sha256)
    return Response(
        data, media_type=attachment.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.file_name, safe='')}",
            "X-Content-Type-Options": "nosniff", "ETag": f'"{attachment.sha256}"',
        },
    )  # fmt: skip
