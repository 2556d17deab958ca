"""The `checkpoints` table (锚定检查点): signed checkpoints of the audit trail, append-only."""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa

from govbiz.errors import ConcurrencyError
from govbiz.ports.checkpoints import Checkpoint, CheckpointLog, SignedCheckpoint
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.connections import Connections

__all__ = ["SQLCheckpointLog"]


class SQLCheckpointLog(CheckpointLog):
    """Checkpoints in a SQL store's `checkpoints` table, each kept as the exact text signed."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def append(self, signed: SignedCheckpoint) -> None:
        checkpoint = signed.checkpoint
        row = {
            "sequence": checkpoint.sequence,
            "made_at": checkpoint.made_at,
            "body": checkpoint.canonical_bytes().decode(),
            "algorithm": signed.algorithm,
            "key_id": signed.key_id,
            "signature": base64.b64encode(signed.signature).decode(),
        }
        with self._connections.writing() as conn:  # its other database errors become StorageError
            try:
                conn.execute(sa.insert(t.checkpoints), row)
            except sa.exc.IntegrityError as error:  # another checkpoint job took this number
                raise ConcurrencyError(
                    "checkpoint", checkpoint.sequence, checkpoint.sequence - 1, None
                ) from error

    def all(self) -> list[SignedCheckpoint]:
        statement = sa.select(t.checkpoints).order_by(t.checkpoints.c.sequence)
        with self._connections.reading() as conn:
            rows = conn.execute(statement).mappings().all()
        return [
            SignedCheckpoint(
                checkpoint=Checkpoint.from_body(json.loads(row["body"])),
                algorithm=row["algorithm"],
                key_id=row["key_id"],
                signature=base64.b64decode(row["signature"]),
            )
            for row in rows
        ]
