"""The outbox on a SQL store (待发通知表).

Queued entries are inserted in the same transaction as the command's events
(`SQLUnitOfWork.enqueue`).  Dispatchers claim due entries by setting a
lease; on PostgreSQL the claim selects with `FOR UPDATE SKIP LOCKED`, so
dispatchers on several machines never claim the same row, and on SQLite the
single-writer transaction does the same.  Each claim writes a new token
(`claim_token`); renewing and marking update the row only where the token
is still the one presented, so a stale dispatcher changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from govbiz.ports.channel import Notification
from govbiz.ports.outbox import ONCE_PER_CLOCK, Outbox, OutboxEntry, OutboxStats, OutboxStatus, OutboxWaiter
from govbiz.storage.sql import schema as t
from govbiz.storage.sql.driver import StatementCache, StatementRunner

if TYPE_CHECKING:
    from govbiz.storage.sql.store import SQLStore

__all__ = ["SKIPPING_INSERTS", "SQLOutbox", "entry_row", "queued", "write_entries"]

_C = t.outbox.c


def entry_row(entry: OutboxEntry) -> dict[str, Any]:
    """The row of an outbox entry."""
    note = entry.notification
    return {
        "key": note.key,
        "county": entry.county,
        "channel": note.channel,
        "recipients": list(note.recipients),
        "subject": note.subject,
        "body": note.body,
        "data": dict(note.data),
        "status": entry.status.value,
        "attempts": entry.attempts,
        "created_at": entry.created_at,
        "next_attempt_at": entry.next_attempt_at,
        "claimed_until": entry.claimed_until,
        "claimed_by": entry.claimed_by,
        "last_error": entry.last_error,
        "sent_at": entry.sent_at,
        "claim_token": entry.claim_token,
    }


def entry_from_row(row: Mapping[str, Any]) -> OutboxEntry:
    """An outbox entry from its row."""
    note = Notification(
        key=row["key"],
        channel=row["channel"],
        recipients=tuple(row["recipients"]),
        subject=row["subject"],
        body=row["body"],
        data=dict(row["data"]),
    )
    return OutboxEntry(
        notification=note,
        county=row["county"],
        created_at=row["created_at"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        claimed_until=row["claimed_until"],
        claimed_by=row["claimed_by"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        claim_token=row.get("claim_token") or "",
    )


_QUEUED = sa.select(_C.key).where(_C.key == sa.bindparam("key"))  # built once: it runs for every entry


def queued(conn: Connection, key: str) -> bool:
    """True if an entry with `key` is stored."""
    return conn.execute(_QUEUED, {"key": key}).first() is not None


#: `INSERT ... ON CONFLICT DO NOTHING` of an entry, for the dialects that have it (built once).
SKIPPING_INSERTS: dict[str, sa.Insert] = {
    "postgresql": postgresql.insert(t.outbox).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(t.outbox).on_conflict_do_nothing(),
}
_INSERT = sa.insert(t.outbox)
_COLUMNS = tuple(c.name for c in t.outbox.columns)


def write_entries(run: StatementRunner, statements: StatementCache, entries: Sequence[OutboxEntry]) -> None:
    """Insert entries whose key is not stored yet (a concurrent command may have queued one).

    One `INSERT ... ON CONFLICT DO NOTHING` where the dialect has it, on the
    unit's `StatementRunner` (so queued with its other writes): no round trip
    per entry to look for its key first.
    """
    if not entries:
        return
    skipping = SKIPPING_INSERTS.get(statements.dialect.name)
    if skipping is not None:
        run.executemany(statements.get(skipping, _COLUMNS), [entry_row(e) for e in entries])
        return
    for entry in entries:
        if run.scalar(statements.get(_QUEUED), {"key": entry.key}) is None:
            run.execute(statements.get(_INSERT, _COLUMNS), entry_row(entry))


def _due_at(now: datetime | sa.BindParameter[datetime]) -> tuple[sa.ColumnElement[bool], ...]:
    """What makes an entry due at `now` (`OutboxEntry.due`): pending, its time come, unclaimed."""
    return (
        _C.status == OutboxStatus.PENDING.value,
        sa.or_(_C.next_attempt_at.is_(None), _C.next_attempt_at <= now),
        sa.or_(_C.claimed_until.is_(None), _C.claimed_until <= now),
    )


# The dispatcher's statements, built once with bound parameters: building a statement costs
# more Python than running it on SQLite (a worker runs three per message: claim, renew, mark).
_NOW = sa.bindparam("now", type_=_C.created_at.type)
_CLAIMABLE = (
    sa.select(t.outbox)
    .where(*_due_at(_NOW))
    .order_by(_C.created_at, _C.key)
    .limit(sa.bindparam("limit", type_=sa.Integer()))
    .with_for_update(skip_locked=True)  # PostgreSQL: concurrent dispatchers skip each other's rows
)
_CLAIM = (
    sa.update(t.outbox)
    .where(_C.key.in_(sa.bindparam("keys", expanding=True)))
    .values(claimed_until=sa.bindparam("v_claimed_until"), claimed_by=sa.bindparam("v_claimed_by"),
            claim_token=sa.bindparam("v_claim_token"))
)  # fmt: skip
#: Where a mark applies: the entry, while `f_token` is its current claim and it is pending.
_HELD = (
    _C.key == sa.bindparam("f_key"),
    _C.claim_token == sa.bindparam("f_token"),
    _C.status == OutboxStatus.PENDING.value,
)


def _fenced_update(*columns: str, attempt: bool = False) -> sa.Update:
    """An update of `columns` (each from the parameter ``v_<column>``) where the claim is held."""
    values: dict[str, Any] = {name: sa.bindparam(f"v_{name}") for name in columns}
    if attempt:
        values["attempts"] = _C.attempts + 1
    return sa.update(t.outbox).where(*_HELD).values(**values)


_RENEW = _fenced_update("claimed_until")
_RELEASE = _fenced_update("claimed_until", "claim_token")
_SENT = _fenced_update("status", "sent_at", "claimed_until", "last_error", attempt=True)
_FAILED = _fenced_update("last_error", "claimed_until", "next_attempt_at", "status", attempt=True)
_SUPERSEDED = _fenced_update("status", "last_error", "claimed_until")


class SQLOutbox(Outbox):
    """The outbox table of a `SQLStore`."""

    def __init__(self, store: SQLStore) -> None:
        self._store = store

    def waiter(self) -> OutboxWaiter:
        """The dialect's (`Dialect.outbox_waiter`): on PostgreSQL it listens for committed entries."""
        return self._store.dialect.outbox_waiter(self._store.engine)

    def claim(self, now: datetime, *, limit: int, lease: timedelta, worker: str) -> list[OutboxEntry]:
        token = secrets.token_hex(16)
        claimed = {"claimed_until": now + lease, "claimed_by": worker, "claim_token": token}
        with self._store.writing() as conn:
            rows = [dict(row) for row in conn.execute(_CLAIMABLE, {"now": now, "limit": limit}).mappings()]
            if rows:
                keys = [row["key"] for row in rows]
                conn.execute(_CLAIM, {"keys": keys, **{f"v_{k}": v for k, v in claimed.items()}})
        return [entry_from_row({**row, **claimed}) for row in rows]

    def renew(self, key: str, *, token: str, until: datetime) -> bool:
        return self._fenced(_RENEW, key, token, claimed_until=until)

    def mark_sent(self, key: str, at: datetime, *, worker: str, token: str) -> bool:
        # The attempt that succeeded counts too (`attempts + 1` in the statement).
        return self._fenced(
            _SENT, key, token, status=OutboxStatus.SENT.value, sent_at=at, claimed_until=None, last_error=""
        )

    def mark_failed(
        self, key: str, error: str, *, retry_at: datetime | None, worker: str, token: str
    ) -> bool:
        status = OutboxStatus.PENDING if retry_at is not None else OutboxStatus.DEAD
        return self._fenced(
            _FAILED, key, token, last_error=error, claimed_until=None, next_attempt_at=retry_at,
            status=status.value,
        )  # fmt: skip

    def mark_superseded(self, key: str, reason: str, *, worker: str, token: str) -> bool:
        status = OutboxStatus.SUPERSEDED.value
        return self._fenced(_SUPERSEDED, key, token, status=status, last_error=reason, claimed_until=None)

    def release(self, key: str, *, token: str) -> bool:
        # The token goes too: the dispatcher that released it can no longer mark it.
        return self._fenced(_RELEASE, key, token, claimed_until=None, claim_token="")

    def stats(self, now: datetime) -> OutboxStats:
        by_status = sa.select(_C.status, sa.func.count()).group_by(_C.status)
        oldest_due = sa.select(sa.func.min(_C.created_at)).where(*_due_at(now))
        with self._store.reading() as conn:
            counts = {OutboxStatus(status): int(n) for status, n in conn.execute(by_status)}
            oldest = conn.execute(oldest_due).scalar()
        return OutboxStats({s: counts.get(s, 0) for s in OutboxStatus}, oldest)

    def _fenced(self, statement: sa.Update, key: str, token: str, **values: Any) -> bool:
        """Run `statement` on `key` where `token` is its current claim and it is pending; `False` if not."""
        if not token:
            return False
        parameters = {"f_key": key, "f_token": token, **{f"v_{k}": v for k, v in values.items()}}
        with self._store.writing() as conn:
            return int(conn.execute(statement, parameters).rowcount) == 1

    def entries(self, status: OutboxStatus | None = None, *, limit: int = 100) -> list[OutboxEntry]:
        statement = sa.select(t.outbox).order_by(_C.created_at.desc(), _C.key.desc()).limit(limit)
        if status is not None:
            statement = statement.where(_C.status == status.value)
        with self._store.reading() as conn:
            return [entry_from_row(dict(row)) for row in conn.execute(statement).mappings()]

    def retry(self, keys: Sequence[str] | None = None) -> int:
        statement = sa.update(t.outbox).where(_C.status == OutboxStatus.DEAD.value)
        if keys is not None:
            statement = statement.where(_C.key.in_(list(keys)))
        values = {
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": None,
            "claimed_until": None,
            "claim_token": "",  # a mark of the claim that killed it cannot touch it again
        }
        with self._store.writing() as conn:
            return int(conn.execute(statement.values(**values)).rowcount)

    def purge(self, status: OutboxStatus, before: datetime) -> int:
        # An entry queued for a later day is kept (see Outbox.purge).
        not_for_later = sa.or_(_C.next_attempt_at.is_(None), _C.next_attempt_at < before)
        old = _C.created_at < before
        once = _C.key.startswith(ONCE_PER_CLOCK, autoescape=True)  # a letter's key letters a clock once
        statement = sa.delete(t.outbox).where(_C.status == status.value, old, not_for_later, sa.not_(once))
        with self._store.writing() as conn:
            return int(conn.execute(statement).rowcount)
