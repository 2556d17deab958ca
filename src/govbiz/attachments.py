"""Attaching files to problems (上传附件): the size and type limits, storing, recording, listing, reading.

`attach_file` is the one way in: it checks the file against the limits
(`AttachmentLimits`: 10 MB and PDF, OFD, JPEG, PNG, TIFF by default; the
type decided by the bytes' magic number, and the name's ending must agree),
stores the bytes in the ledger's `AttachmentStore` under their SHA-256,
then records `AttachFile` in the problem's history as the actor.  In that
order, nothing is half-written: if storing fails, nothing is recorded; if
recording is refused (the actor may not, the problem is closed to it), the
bytes stay as an orphan, which nobody can reach (every read goes through an
event naming the hash) and which a clean-up may remove.

`attachments(ledger, actor, problem_id)` lists a problem's files from its
history, and `read_attachment` returns one file's bytes, both only for an
actor the ledger lets read the problem (another county's user gets
`NotFoundError`, as for the problem itself).

In a county system: give the Ledger a store
(``Ledger(store, attachments=FileAttachmentStore("/srv/govbiz/attachments"))``),
then ``attach_file(ledger, handler, problem_id, "签收单.pdf", scan,
note="签字盖章的交办单")``, list with ``attachments(ledger, handler,
problem_id)`` and read one back with ``read_attachment(ledger, handler,
problem_id, sha256)``; docs/how-to/attach-files.md runs the whole example.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import attrs

from govbiz import commands as c
from govbiz.domain.actors import Actor
from govbiz.domain.attachment import MEDIA_TYPES, Attachment, sniff_media_type
from govbiz.domain.lifecycle import Action
from govbiz.domain.payloads import FileAttached, payload_of
from govbiz.domain.problem import Problem
from govbiz.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from govbiz.ledger import Ledger
    from govbiz.ports.attachments import AttachmentStore

__all__ = ["DEFAULT_MAX_BYTES", "AttachmentLimits", "attach_file", "attachments", "read_attachment"]

#: The largest file accepted by default: 10 MB (a few pages scanned at 300 dpi).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@attrs.frozen(slots=True)
class AttachmentLimits:
    """What files are accepted: at most `max_bytes`, of one of `media_types` (by content)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    media_types: frozenset[str] = frozenset(MEDIA_TYPES)

    def check(self, file_name: str, data: bytes) -> str:
        """The media type of the file, or a `ValidationError` naming what is wrong with it."""
        if not data:
            raise ValidationError("file", file_name, "is empty")
        if len(data) > self.max_bytes:
            limit = f"at most {self.max_bytes} ({_megabytes(self.max_bytes)})"
            raise ValidationError("file", file_name, f"has {len(data)} bytes; {limit}")
        media_type = sniff_media_type(data)
        endings = (MEDIA_TYPES[t][0].lstrip(".").upper() for t in self.media_types)
        accepted = "、".join(sorted(endings))
        if media_type is None or media_type not in self.media_types:
            raise ValidationError("file", file_name, f"is not a file of an accepted kind ({accepted})")
        ending = PurePosixPath(file_name).suffix.lower()
        if ending not in MEDIA_TYPES[media_type]:
            raise ValidationError(
                "file", file_name, f"is named {ending or 'without an ending'} but its content is {media_type}"
            )
        return media_type


def attach_file(
    ledger: Ledger,
    actor: Actor,
    problem_id: str,
    file_name: str,
    data: bytes,
    *,
    note: str = "",
    limits: AttachmentLimits | None = None,
) -> Problem:
    """Check `data`, store it, then record it attached to the problem as `actor`; the changed problem.

    `ValidationError` for a file too large, of a kind not accepted or named
    otherwise than its content; the ledger's refusal if `actor` may not
    attach to the problem now (the bytes then stay, unreachable).
    """
    store = _store(ledger)
    name = PurePosixPath(file_name.replace("\\", "/")).name.strip()  # what a browser sends may be a path
    media_type = (limits or AttachmentLimits()).check(name, data)
    ledger.problem(actor, problem_id)  # a problem the actor cannot read: refused before storing anything
    sha256 = store.put(data)
    command = c.AttachFile(
        problem_id=problem_id, file_name=name, media_type=media_type, size=len(data), sha256=sha256, note=note
    )
    return ledger.handle(actor, command)


def attachments(ledger: Ledger, actor: Actor, problem_id: str) -> list[Attachment]:
    """The files attached to the problem, oldest first (as the history records them)."""
    found = []
    for event in ledger.history(actor, problem_id):
        if event.kind != Action.ATTACH.value:
            continue
        data = payload_of(event)
        assert isinstance(data, FileAttached)
        found.append(
            Attachment(
                problem_id=problem_id, file_name=data.file_name, media_type=data.media_type, size=data.size,
                sha256=data.sha256, attached_at=event.occurred_at, attached_by=event.actor_id,
                department=event.actor_department, note=data.note,
            )
        )  # fmt: skip
    return found


def read_attachment(ledger: Ledger, actor: Actor, problem_id: str, sha256: str) -> tuple[Attachment, bytes]:
    """The attachment `sha256` of the problem and its bytes; `NotFoundError` if the problem has none such."""
    for attachment in reversed(attachments(ledger, actor, problem_id)):
        if attachment.sha256 == sha256:
            data = _store(ledger).get(sha256)
            if hashlib.sha256(data).hexdigest() != sha256:  # a store that does not check: check here
                raise NotFoundError("attachment", sha256)
            return attachment, data
    raise NotFoundError("attachment", sha256)


def _store(ledger: Ledger) -> AttachmentStore:
    store = ledger.attachments
    if store is None:
        raise ValidationError("attachments", None, "this ledger keeps no attachments (Ledger(attachments=…))")
    return store


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB"
