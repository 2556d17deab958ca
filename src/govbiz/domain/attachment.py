"""Attachments (附件): what a file attached to a problem is, and how its kind is told from its bytes.

A department attaches the scan of a signed document (签字盖章的扫描件) to a
problem, with a progress report or its result.  The history records the
file's name, media type, size and SHA-256 (`Attachment`); the bytes are kept
apart (`govbiz.ports.attachments`).  The media type is decided by the
bytes (`sniff_media_type`: the file's magic number), never by the name
alone: a file named `.pdf` that is not a PDF is refused.

    >>> sniff_media_type(b"%PDF-1.7 ...")
    'application/pdf'
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import attrs

__all__ = ["MEDIA_TYPES", "Attachment", "sniff_media_type"]

#: The kinds of file accepted, with the file-name endings each may have.
#: OFD (GB/T 33190, 版式文档) is a ZIP package whose root holds `OFD.xml`.
MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "application/ofd": (".ofd",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/tiff": (".tif", ".tiff"),
}

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff_media_type(data: bytes) -> str | None:
    """The media type of `data` by its first bytes (an OFD by its package's `OFD.xml`), or `None`."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "OFD.xml" in names:
            return "application/ofd"
    return None


@attrs.frozen(slots=True)
class Attachment:
    """A file attached to a problem: its name, media type, size (bytes) and SHA-256; who, when, why."""

    problem_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    attached_at: datetime
    attached_by: str
    department: str | None = None
    note: str = ""
