"""Idempotency keys (幂等键): a POST sent twice is carried out once.

A county system that lost the answer to a POST (a timeout, a dropped
connection) sends it again with the same `Idempotency-Key` header.  Within
`WINDOW` (24 hours) the same key with the same request returns the first
answer, stored in the ledger's database, without running the command again,
whichever `govbiz serve` process receives it; the same key with another
request is refused (422).  Keys belong to the token that sent them, so two
callers cannot collide.

The key is reserved before the command runs (a row without an answer), in
one statement that only one process can win; a second request arriving while
the first still runs is refused with 409 rather than run twice.  A request
that failed on the server's side (5xx) releases its key, so it can be retried.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from govbiz.errors import GovbizError
from govbiz_api.tables import IDEMPOTENCY, ApiDatabase, instant_text

__all__ = [
    "HEADER",
    "WINDOW",
    "IdempotencyInProgressError",
    "IdempotencyMismatchError",
    "IdempotencyStore",
    "StoredAnswer",
    "request_digest",
]

#: The request header naming the key.
HEADER = "Idempotency-Key"
#: How long a key's first answer is kept and replayed.
WINDOW = timedelta(hours=24)
#: The longest key accepted (a UUID is 36 characters).
MAX_KEY = 200


class IdempotencyMismatchError(GovbizError):
    """The key was used within the window for a different request (HTTP 422)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")


class IdempotencyInProgressError(GovbizError):
    """The first request with this key is still running (HTTP 409); retry shortly."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"a request with Idempotency-Key {key!r} is still being processed")


@attrs.frozen(slots=True)
class StoredAnswer:
    """The first answer to a key: status, the headers worth repeating, and the body."""

    status: int
    headers: dict[str, str]
    body: bytes


def request_digest(method: str, path: str, body: bytes) -> str:
    """What "the same request" means: method, path and body (JSON compared by value, not spacing)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        content = canonical.encode("utf-8")
    except (ValueError, UnicodeDecodeError):
        content = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + content).hexdigest()


class IdempotencyStore:
    """The keys of one ledger database (`ApiDatabase`)."""

    def __init__(self, database: ApiDatabase, *, window: timedelta = WINDOW) -> None:
        self._db = database
        self.window = window

    def reserve(self, token_id: str, key: str, digest: str, *, now: datetime) -> StoredAnswer | None:
        """Reserve `key` for this request (`None`: run it), or the first answer to replay.

        Raises `IdempotencyMismatchError` when the key was used for another
        request and `IdempotencyInProgressError` when its first request has
        not answered yet.  A key older than the window is forgotten first.
        """
        with self._db.writing() as conn:
            conn.execute(
                IDEMPOTENCY.delete().where(
                    IDEMPOTENCY.c.token_id == token_id,
                    IDEMPOTENCY.c.key == key,
                    IDEMPOTENCY.c.created_at <= instant_text(now - self.window),
                )
            )
            if _insert_new(conn, token_id, key, digest, instant_text(now)):
                return None
            row = conn.execute(
                sa.select(IDEMPOTENCY).where(IDEMPOTENCY.c.token_id == token_id, IDEMPOTENCY.c.key == key)
            ).one()
        if row.request_digest != digest:
            raise IdempotencyMismatchError(key)
        if row.status is None:
            raise IdempotencyInProgressError(key)
        headers = json.loads(row.headers or "{}")
        return StoredAnswer(status=int(row.status), headers=headers, body=bytes(row.body))

    def answer(self, token_id: str, key: str, answer: StoredAnswer) -> None:
        """Keep the first answer to a reserved key."""
        with self._db.writing() as conn:
            conn.execute(
                IDEMPOTENCY.update()
                .where(IDEMPOTENCY.c.token_id == token_id, IDEMPOTENCY.c.key == key)
                .values(status=answer.status, headers=json.dumps(answer.headers), body=answer.body)
            )

    def release(self, token_id: str, key: str) -> None:
        """Forget a reserved key whose request failed on the server's side, so it can be sent again."""
        with self._db.writing() as conn:
            conn.execute(
                IDEMPOTENCY.delete().where(
                    IDEMPOTENCY.c.token_id == token_id,
                    IDEMPOTENCY.c.key == key,
                    IDEMPOTENCY.c.status.is_(None),
                )
            )

    def purge(self, *, now: datetime) -> int:
        """Delete every key older than the window; how many went."""
        with self._db.writing() as conn:
            result = conn.execute(
                IDEMPOTENCY.delete().where(IDEMPOTENCY.c.created_at <= instant_text(now - self.window))
            )
        return int(result.rowcount)


def _insert_new(conn: Connection, token_id: str, key: str, digest: str, created_at: str) -> bool:
    """Insert the reservation unless the key exists: one statement, so one process wins."""
    values = {"token_id": token_id, "key": key, "request_digest": digest, "created_at": created_at}
    name = conn.dialect.name
    if name == "postgresql":
        # RETURNING, not rowcount: the store's psycopg connections report -1 for an upsert's rowcount.
        won = postgresql.insert(IDEMPOTENCY).values(**values).on_conflict_do_nothing()
        return conn.execute(won.returning(IDEMPOTENCY.c.key)).first() is not None
    if name == "sqlite":
        statement: sa.Executable = sqlite.insert(IDEMPOTENCY).values(**values).on_conflict_do_nothing()
    else:  # any other database: look first (a race then fails the loser's transaction)
        found = conn.execute(
            sa.select(IDEMPOTENCY.c.key).where(IDEMPOTENCY.c.token_id == token_id, IDEMPOTENCY.c.key == key)
        ).first()
        if found is not None:
            return False
        statement = IDEMPOTENCY.insert().values(**values)
    return int(conn.execute(statement).rowcount) == 1
