"""Hash functions for the audit chain (审计链哈希算法): the port a cryptography plugin implements.

A plugin registers a `Hasher` through the `govbiz_hash_algorithms` hook,
for instance SM3 (GB/T 32905) where 密评 asks for national algorithms.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = ["Hasher"]


@attrs.frozen(slots=True)
class Hasher:
    """A named hash function: ``digest(data) -> hex string``."""

    name: str
    digest: Callable[[bytes], str]

    def hash(self, data: bytes) -> str:
        """``"<name>:<hex digest>"`` of ``data``."""
        return f"{self.name}:{self.digest(data)}"
