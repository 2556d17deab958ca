"""Attachments in a directory (附件目录): the default `AttachmentStore`, and one in memory for tests.

`FileAttachmentStore(directory)` keeps each file's bytes as
`directory/ab/abcdef…` (the SHA-256 in hex, its first two digits as a
subfolder, so no folder grows too large).  A file is written to a
temporary name in the same folder, flushed to disk (`fsync`) and renamed
into place, so a crash leaves either the whole file or none; reading checks
the bytes against their hash, so a file damaged on disk is refused rather
than served.  Several processes may share the directory: the same bytes
give the same name, and a rename over an equal file changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from govbiz.errors import GovbizError, NotFoundError, ValidationError

__all__ = ["DamagedAttachmentError", "FileAttachmentStore", "MemoryAttachmentStore"]

_HEX = re.compile(r"^[0-9a-f]{64}$")


class DamagedAttachmentError(GovbizError):
    """The bytes kept under a SHA-256 no longer have that hash (damaged on disk)."""

    def __init__(self, sha256: str) -> None:
        self.sha256 = sha256
        super().__init__(f"attachment {sha256} is damaged: its bytes no longer match their SHA-256")


def _checked(sha256: str) -> str:
    if not _HEX.match(sha256):
        raise ValidationError("sha256", sha256, "is 64 lowercase hexadecimal digits")
    return sha256


class FileAttachmentStore:
    """Attachments as files under `directory` (made when first written to)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def _path(self, sha256: str) -> Path:
        return self.directory / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Keep `data` under its SHA-256 (written whole, then renamed into place) and return the hash."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self._path(sha256)
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            return sha256  # kept whole already (a damaged copy is written over)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        """The bytes kept under `sha256`, checked against it."""
        try:
            data = self._path(_checked(sha256)).read_bytes()
        except FileNotFoundError:
            raise NotFoundError("attachment", sha256) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise DamagedAttachmentError(sha256)
        return data

    def size(self, sha256: str) -> int | None:
        """The size of the file kept under `sha256`, or `None`."""
        try:
            return self._path(_checked(sha256)).stat().st_size
        except FileNotFoundError:
            return None


class MemoryAttachmentStore:
    """Attachments in a dictionary (tests, and a ledger in memory)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        self.files[sha256] = bytes(data)
        return sha256

    def get(self, sha256: str) -> bytes:
        try:
            return self.files[_checked(sha256)]
        except KeyError:
            raise NotFoundError("attachment", sha256) from None

    def size(self, sha256: str) -> int | None:
        found = self.files.get(_checked(sha256))
        return None if found is None else len(found)
