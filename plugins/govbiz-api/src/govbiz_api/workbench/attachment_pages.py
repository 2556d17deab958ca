"""附件: upload a file to a problem from its page, and download one.

The upload form (`multipart/form-data`: the CSRF token, the file, a note)
goes to `govbiz.attachments.attach_file`, which checks the size and the kind
(by the bytes, not the name), stores the bytes and records the attachment
in the problem's history, as the signed-in user: the library decides
whether that user may attach to the problem now.  A body larger than the
limit is refused before it is read whole.  The form is parsed with the
standard library's MIME parser (no extra dependency).

A download (`/problems/{id}/attachments/{sha256}`) is served only to a user
the ledger lets read the problem (another county's user gets the 404 page),
as a download (`Content-Disposition: attachment`) with its recorded media
type, `nosniff`, and a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from govbiz.attachments import attach_file, read_attachment
from govbiz.errors import GovbizError, NotFoundError, ValidationError
from govbiz_api.workbench.sessions import same_token
from govbiz_api.workbench.web import CsrfRefused, error_page, signed_in, with_headers, workbench

__all__ = ["UploadForm", "read_upload", "router"]

router = APIRouter(include_in_schema=False)

#: What a multipart body may hold beyond the file: the boundaries, the token, the note.
_OVERHEAD = 64 * 1024


class UploadForm:
    """A parsed upload: its text fields and its one file (name and bytes)."""

    def __init__(self, fields: dict[str, str], file_name: str, data: bytes) -> None:
        self.fields = fields
        self.file_name = file_name
        self.data = data

    def get(self, name: str) -> str:
        """A text field, stripped ("" when absent)."""
        return self.fields.get(name, "").strip()


async def read_upload(request: Request, max_bytes: int) -> UploadForm:
    """The request's `multipart/form-data` body; `CsrfRefused` for another kind or a body far too large."""
    media = request.headers.get("content-type", "")
    if not media.startswith("multipart/form-data"):
        raise CsrfRefused()
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + _OVERHEAD:
        raise ValidationError("file", declared, f"the upload is larger than {max_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes + _OVERHEAD:
            raise ValidationError("file", len(body), f"the upload is larger than {max_bytes} bytes")
    head = b"Content-Type: " + media.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + bytes(body))
    fields: dict[str, str] = {}
    file_name, data = "", b""
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        content = part.get_payload(decode=True)
        content = content if isinstance(content, bytes) else b""
        given = part.get_filename()
        if given is not None:
            file_name, data = given, content
        else:
            fields[name] = content.decode("utf-8", "replace")
    return UploadForm(fields, file_name, data)


@router.post("/problems/{problem_id}/attachments")
async def upload(request: Request, problem_id: str) -> Response:
    """上传附件: the file is checked, stored, and recorded in the problem's history."""
    user, session = await run_in_threadpool(signed_in, request)
    limits = workbench(request).attachment_limits
    try:
        form = await read_upload(request, limits.max_bytes)
    except ValidationError as error:
        return error_page(request, error, user=user, session=session, status=413, title="文件过大")
    if not same_token(form.get("csrf"), session.csrf):
        raise CsrfRefused()
    ledger = workbench(request).services.ledger

    def attach() -> Response:
        from govbiz_api.workbench.ledger_pages import problem_refused

        try:
            if not form.data and not form.file_name:
                raise ValidationError("file", "", "请选择要上传的文件")
            attach_file(ledger, user.actor, problem_id, form.file_name, form.data, note=form.get("note"),
                        limits=limits)  # fmt: skip
        except NotFoundError as error:
            return error_page(request, error, user=user, session=session)
        except GovbizError as error:
            return problem_refused(request, user, session, problem_id, error, tried="attach")
        return with_headers(RedirectResponse(f"/problems/{problem_id}?done=attach", status_code=303))

    return await run_in_threadpool(attach)


@router.get("/problems/{problem_id}/attachments/{sha256}")
def download(request: Request, problem_id: str, sha256: str) -> Response:
    """A file attached to the problem, for a user who may read the problem."""
    user, session = signed_in(request)
    try:
        attachment, data = read_attachment(workbench(request).services.ledger, user.actor, problem_id, sha256)
    except GovbizError as error:
        return error_page(request, error, user=user, session=session)
    disposition = f"attachment; filename*=UTF-8''{quote(attachment.file_name, safe='')}"
    return Response(
        data, media_type=attachment.media_type,
        headers={
            "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"{attachment.sha256}"',
        },
    )  # fmt: skip
