"""Built-in plugin: SHA-256 for the audit chain, and SM3 (GB/T 32905) where OpenSSL provides it."""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.audit import SHA256, sm3_hasher
from govbiz.ports.hasher import Hasher
from govbiz.ports.hooks import hookimpl


@hookimpl
def govbiz_hash_algorithms() -> Iterable[Hasher]:
    """SHA-256, the default hash of the audit chain; SM3 too where the interpreter's OpenSSL has it.

    Where it has not, the `govbiz-sm3` plugin registers a pure-Python SM3 under the same name.
    """
    sm3 = sm3_hasher()
    return [SHA256] if sm3 is None else [SHA256, sm3]
