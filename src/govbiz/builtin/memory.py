"""Built-in plugin: `memory://` opens an in-memory store (gone when the process ends)."""

from __future__ import annotations

from govbiz.ports.hooks import hookimpl
from govbiz.ports.storage import Store
from govbiz.storage.memory import MemoryStore


@hookimpl
def govbiz_storage(url: str) -> Store | None:
    """An in-memory store for `memory://` (with nothing after the scheme)."""
    if url.rstrip("/") in ("memory:", "memory:/"):
        return MemoryStore()
    return None
