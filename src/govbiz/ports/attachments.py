"""Where the bytes of attachments (附件) are kept: the port a file or database adapter implements.

A problem's history records what a file is (name, media type, size,
SHA-256, who attached it and when: `govbiz.commands.AttachFile`); the bytes
themselves live in an `AttachmentStore`, under their SHA-256, so the same
scan attached twice is kept once and a file read back can be checked
against its hash.  `govbiz.storage.attachments.FileAttachmentStore` keeps
them in a directory (the default); a plugin may keep them elsewhere (a
database BLOB, an object store) by implementing this protocol.

Bytes are stored before the event is recorded (`govbiz.attachments.attach_file`):
a failed store records nothing, and bytes whose event then failed are an
orphan, harmless (nobody can reach them without an event naming their
hash) and removable by comparing the store with the history.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["AttachmentStore"]


@runtime_checkable
class AttachmentStore(Protocol):
    """Bytes by their SHA-256 (lowercase hex): put once, read many times, never changed."""

    def put(self, data: bytes) -> str:
        """Keep `data` (durably, before returning) and return its SHA-256; the same bytes again: a no-op."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes whose SHA-256 is `sha256`; `govbiz.errors.NotFoundError` when none are kept."""
        ...

    def size(self, sha256: str) -> int | None:
        """How many bytes are kept under `sha256`, or `None` when none are."""
        ...
