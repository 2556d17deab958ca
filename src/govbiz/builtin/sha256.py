"""Built-in plugin: SHA-256 for the audit chain."""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.audit import SHA256
from govbiz.ports.hasher import Hasher
from govbiz.ports.hooks import hookimpl


@hookimpl
def govbiz_hash_algorithms() -> Iterable[Hasher]:
    """SHA-256, the default hash of the audit chain."""
    return [SHA256]
