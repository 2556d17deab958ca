"""Signed checkpoints over the heads of every stream (锚定检查点), and where a store keeps them.

A hash chain alone does not stop someone who can write the database: they
edit an event and recompute every hash after it.  A checkpoint fixes the
head (last version and hash) of every stream at one moment and is signed with
a key the database never holds; any later rewrite of a checkpointed event
changes a head the signature vouches for.  Each checkpoint lists the heads
that changed since the previous one, the hash of the previous checkpoint (so
none can be dropped from the middle) and a Merkle root over every head so far.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

import attrs

__all__ = ["Checkpoint", "CheckpointLog", "Head", "Redaction", "SignedCheckpoint"]


@attrs.frozen(slots=True, order=True)
class Head:
    """The latest event of one stream when a checkpoint was made: its version and hash."""

    stream: str
    stream_id: str
    version: int
    hash: str


@attrs.frozen(slots=True, order=True)
class Redaction:
    """An event whose personal data was removed after it was sealed (脱敏), as a checkpoint vouches for it.

    The event keeps its `hash` (the chain and every later checkpoint still
    link through it); `digest` is the SHA-256 of the redacted event's
    canonical bytes (`govbiz.audit.canonical_bytes`), so the redacted
    content is as fixed by the signature as the original was by the hash.
    """

    stream: str
    stream_id: str
    version: int
    hash: str
    digest: str


@attrs.frozen(slots=True)
class Checkpoint:
    """What a checkpoint vouches for (检查点): its number, time, the heads changed, the chain and root."""

    sequence: int
    made_at: datetime
    #: The hash of the previous signed checkpoint (``""`` for the first).
    previous: str
    #: Heads that changed since the previous checkpoint, sorted.
    heads: tuple[Head, ...]
    #: Merkle root over every stream's head as of this checkpoint, and how many streams.
    root: str
    streams: int
    #: Events redacted since the previous checkpoint, sorted (`govbiz.redaction`); most checkpoints have none.
    redactions: tuple[Redaction, ...] = ()

    def body(self) -> dict[str, Any]:
        """The checkpoint as a JSON-ready dict (what is signed, canonically encoded).

        ``redactions`` appears only when there are some, so a checkpoint
        without any has the bytes it had before redactions existed.
        """
        body: dict[str, Any] = {
            "sequence": self.sequence,
            "made_at": self.made_at.isoformat(),
            "previous": self.previous,
            "heads": [[h.stream, h.stream_id, h.version, h.hash] for h in self.heads],
            "root": self.root,
            "streams": self.streams,
        }
        if self.redactions:
            body["redactions"] = [attrs.astuple(r) for r in self.redactions]
        return body

    def canonical_bytes(self) -> bytes:
        """The bytes a signature covers: the body as canonical JSON."""
        return _canonical(self.body())

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Checkpoint:
        """Inverse of `body`."""
        return cls(
            sequence=int(body["sequence"]),
            made_at=datetime.fromisoformat(body["made_at"]),
            previous=str(body["previous"]),
            heads=tuple(Head(str(s), str(i), int(v), str(h)) for s, i, v, h in body["heads"]),
            root=str(body["root"]),
            streams=int(body["streams"]),
            redactions=tuple(
                Redaction(str(s), str(i), int(v), str(h), str(d))
                for s, i, v, h, d in body.get("redactions", ())
            ),
        )


@attrs.frozen(slots=True)
class SignedCheckpoint:
    """A checkpoint with its signature, the algorithm and the fingerprint of the signing key."""

    checkpoint: Checkpoint
    algorithm: str
    key_id: str
    signature: bytes

    def to_json(self) -> str:
        """One line of an export file (JSON lines)."""
        return json.dumps(
            {
                "checkpoint": self.checkpoint.body(),
                "algorithm": self.algorithm,
                "key_id": self.key_id,
                "signature": base64.b64encode(self.signature).decode(),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, line: str) -> SignedCheckpoint:
        """Inverse of `to_json`; `ValueError` (or `KeyError`) on a malformed line."""
        data = json.loads(line)
        return cls(
            checkpoint=Checkpoint.from_body(data["checkpoint"]),
            algorithm=str(data["algorithm"]),
            key_id=str(data["key_id"]),
            signature=base64.b64decode(data["signature"], validate=True),
        )


class CheckpointLog(ABC):
    """Where a store keeps its signed checkpoints (append-only, by sequence number)."""

    @abstractmethod
    def append(self, signed: SignedCheckpoint) -> None:
        """Store `signed`; a sequence number already stored raises `ConcurrencyError`."""

    @abstractmethod
    def all(self) -> list[SignedCheckpoint]:
        """Every stored checkpoint, by sequence number."""

    def latest(self) -> SignedCheckpoint | None:
        """The checkpoint with the highest sequence number, or `None`."""
        found = self.all()
        return found[-1] if found else None


def _canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
