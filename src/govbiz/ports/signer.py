"""Signatures for the anchored audit trail (检查点签名): the port a cryptography plugin implements.

A checkpoint (`govbiz.ports.checkpoints.Checkpoint`) is signed with a key the
database never holds.  Ed25519 is built in (`govbiz.builtin.ed25519`); SM2
(GB/T 32918), where 密评 asks for national algorithms, plugs in by
implementing these two protocols and returning them from a key loader.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Signer", "Verifier"]


@runtime_checkable
class Verifier(Protocol):
    """A public key: checks signatures (验签)."""

    @property
    def algorithm(self) -> str:
        """The signature algorithm, e.g. ``"ed25519"`` or ``"sm2"``."""
        ...

    @property
    def key_id(self) -> str:
        """A short fingerprint of the public key, written beside each signature."""
        ...

    def verify(self, data: bytes, signature: bytes) -> bool:
        """True if `signature` is this key's signature of `data`."""
        ...


@runtime_checkable
class Signer(Protocol):
    """A private key: signs checkpoints (签名); held by the checkpoint job, never by the database."""

    @property
    def algorithm(self) -> str:
        """The signature algorithm."""
        ...

    @property
    def key_id(self) -> str:
        """The fingerprint of the matching public key."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The signature of `data`."""
        ...

    def verifier(self) -> Verifier:
        """The matching public key."""
        ...
