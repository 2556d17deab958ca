"""The API's own tables (接口令牌与幂等记录), kept in the ledger's database.

A token and an idempotency key must hold across every `govbiz serve`
process on one database, so they live where the ledger lives: on a SQL
store (SQLite, PostgreSQL) they are two tables in its database, written
through the store's public connections (`SQLStore.reading`,
`SQLStore.writing`; see "Extending the SQL store" in the storage
reference).  They are not part of the ledger's schema and its migrations:
govbiz itself never reads them, and a ledger without the API has none.
A ledger on the memory store gets an in-memory database of its own.

Instants are stored as ISO 8601 text in UTC (`2026-12-03T02:00:00.000000+00:00`),
which every database compares in time order and none converts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from govbiz.ports.storage import Store
from govbiz.storage.sql.driver import first_row

__all__ = [
    "IDEMPOTENCY",
    "METADATA",
    "RATE_LIMITS",
    "SECRETS",
    "STATUS_ATTEMPTS",
    "TOKENS",
    "ApiDatabase",
    "instant_text",
]

METADATA = sa.MetaData()

#: API tokens (接口令牌): only a salted hash of the secret is kept.
TOKENS = sa.Table(
    "govbiz_api_tokens",
    METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(128), nullable=False),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("county", sa.String(6), nullable=False),
    sa.Column("department", sa.String(100), nullable=True),
    sa.Column("enterprise", sa.String(100), nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=True),
    sa.Column("revoked_at", sa.String(40), nullable=True),
)

#: The first answer to each `Idempotency-Key` of a token (幂等键), for 24 hours.
IDEMPOTENCY = sa.Table(
    "govbiz_api_idempotency",
    METADATA,
    sa.Column("token_id", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    # NULL while the first request runs; then the answer's status, headers (JSON) and body.
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("headers", sa.Text, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=True),
)

#: Secrets the API makes once per database and every process shares (the query-code key).
SECRETS = sa.Table(
    "govbiz_api_secrets",
    METADATA,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

#: Wrong answers to the public status lookup (办理进度查询), for its rate limit; kept an hour.
STATUS_ATTEMPTS = sa.Table(
    "govbiz_api_status_attempts",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(100), nullable=False, index=True),
    sa.Column("number", sa.String(100), nullable=False, index=True),
    sa.Column("at", sa.String(40), nullable=False),
)


#: Requests counted in the current fixed window, per limit and key (限流计数), shared by every process.
RATE_LIMITS = sa.Table(
    "govbiz_api_rate_limits",
    METADATA,
    sa.Column("scope", sa.String(20), primary_key=True),  # "token" or "client"
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("window_start", sa.BigInteger, nullable=False),  # the window's first second (Unix time)
    sa.Column("count", sa.Integer, nullable=False),
)
# On PostgreSQL the counters need no WAL: a crash that forgets the last minute's counts costs nothing,
# and a request's upsert then never waits for a disk flush.
sa.event.listen(
    RATE_LIMITS,
    "after_create",
    sa.DDL("ALTER TABLE govbiz_api_rate_limits SET UNLOGGED").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)


def instant_text(instant: datetime) -> str:
    """`instant` as stored: ISO 8601 in UTC with microseconds, so text order is time order."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


#: Advisory lock key held while the API creates its tables on PostgreSQL ("govbiz" + 0xA1).
_CREATE_LOCK = 0x676F7662697AA1


class ApiDatabase:
    """Where the API's tables are: the ledger's SQL database, or an in-memory one.

    `reading()` gives a connection for reads; `writing()` one in a
    transaction committed on success.  The tables are created on first use
    (`CREATE TABLE IF NOT EXISTS`), so opening an API on an existing ledger
    needs no migration step.
    """

    def __init__(self, store: Store) -> None:
        from govbiz.storage.sql.store import SQLStore

        self._lock = threading.RLock()
        self._store = store if isinstance(store, SQLStore) else None
        self._engine = None
        if self._store is None:
            self._engine = sa.create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        self._postgres = self.dialect_name == "postgresql"
        self.create(METADATA)

    @property
    def dialect_name(self) -> str:
        """The database's SQLAlchemy dialect name: ``"postgresql"``, ``"sqlite"`` …"""
        engine = self._store.engine if self._store is not None else self._engine
        assert engine is not None
        return str(engine.dialect.name)

    def create(self, metadata: sa.MetaData) -> None:
        """Create `metadata`'s tables that are not there yet, once even when processes start together.

        ``checkfirst`` alone races: two ``govbiz serve`` processes starting at
        once both find a table missing and the second ``CREATE`` fails.  On
        PostgreSQL the check and the creation run under a transaction-level
        advisory lock, so the second process waits and then finds the tables.
        """
        with self.writing() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_CREATE_LOCK)))
            metadata.create_all(conn, checkfirst=True)

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for reads."""
        if self._store is not None:
            return self._store.reading()
        return self._own(commit=False)

    def writing(self) -> AbstractContextManager[Connection]:
        """A connection in a write transaction, committed when the block ends without an error."""
        if self._store is not None:
            return self._store.writing()
        return self._own(commit=True)

    def first_row(self, statement: sa.Executable, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row `statement` (a read, built once) selects with `values`, or `None`.

        On a SQL store it runs as the store runs its own reads: compiled once
        (`SQLStore.statements`) and sent on the driver's cursor, without
        SQLAlchemy's execution layer, which cost two thirds of a token's
        lookup, and a token is looked up on every request.
        """
        if self._store is not None:
            compiled = self._store.statements.get(statement)
            with self._store.reading() as conn:
                return first_row(conn, compiled, values)
        with self._own(commit=False) as conn:
            row = conn.execute(statement, values).first()
        return None if row is None else tuple(row)

    def one_statement_row(
        self, statement: sa.Executable, values: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """The row a write that returns one (``RETURNING``, built once) gives, committed by itself.

        On PostgreSQL one round trip, as `first_row` runs a read: the store's
        connections for reads are in autocommit, so no ``BEGIN`` and ``COMMIT``
        round trips.  Elsewhere in a write transaction (`writing`).
        """
        if self._postgres:
            return self.first_row(statement, values)
        with self.writing() as conn:
            row = conn.execute(statement, values).first()
        return None if row is None else tuple(row)

    @contextmanager
    def _own(self, *, commit: bool) -> Iterator[Connection]:
        assert self._engine is not None
        # One shared in-memory connection: every use takes the lock.
        with self._lock, self._engine.connect() as conn:
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            if commit:
                conn.commit()
            else:
                conn.rollback()

    def close(self) -> None:
        """Release the in-memory database (the ledger's own store is closed with the ledger)."""
        if self._engine is not None:
            self._engine.dispose()
