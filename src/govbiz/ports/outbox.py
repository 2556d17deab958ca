"""The outbox (待发通知): notifications that must never be lost.

A notification is written to the outbox in the same transaction as the
event that causes it (`UnitOfWork.enqueue`), so either both are stored or
neither is.  A dispatcher then claims due entries, delivers them, and marks
each sent, failed (to retry later with exponential backoff), or dead (a
permanent error, or too many attempts; the last error is kept).  Entries
are keyed by the notification's idempotency key: queuing the same key twice
keeps one entry.

A claim is a lease: an entry claimed by a dispatcher that dies (even by
SIGKILL) becomes claimable again when the lease runs out, so nothing is
lost.  The price is at-least-once delivery around such a crash; the
idempotency key travels with the message so a receiver can drop the repeat.

A claim is also fenced: each carries a fresh token (`OutboxEntry.claim_token`),
and only the holder of an entry's current claim may renew its lease or mark
it sent, failed or superseded.  A dispatcher whose delivery outlasted its
lease, while another claimed the entry, finds its marks refused (they return
`False`) instead of overwriting what the other recorded; the dispatcher
renews the lease before each delivery so that this stays the exception.

Between rounds a worker waits for work on the outbox's `OutboxWaiter`
(`Outbox.waiter`): by default it simply waits out its poll interval; a store
that can announce new entries (PostgreSQL's ``LISTEN``/``NOTIFY``, see
`govbiz_postgres.wakeups`) wakes it as soon as an entry is committed.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from govbiz.ports.channel import Notification

__all__ = ["ONCE_PER_CLOCK", "Outbox", "OutboxEntry", "OutboxStats", "OutboxStatus", "OutboxWaiter"]

#: The key prefix of entries queued once per clock (the escalation ladder's 催办通知书): never purged,
#: since the key is what stops a later sweep lettering the clock again (one small entry per late clock).
ONCE_PER_CLOCK = "escalation:"


class OutboxStatus(StrEnum):
    """Where an outbox entry stands."""

    #: 待发送: waiting for its next attempt.
    PENDING = "pending"
    #: 已发送
    SENT = "sent"
    #: 发送失败已停止: a permanent error or too many attempts; needs a person.
    DEAD = "dead"
    #: 已失效未发送: a reminder whose clock was met, re-based, suspended or extended before
    #: the dispatcher took it; `last_error` says why.
    SUPERSEDED = "superseded"


@attrs.frozen(slots=True)
class OutboxEntry:
    """One notification in the outbox, with its delivery state."""

    notification: Notification
    county: str
    created_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_until: datetime | None = None
    claimed_by: str = ""
    last_error: str = ""
    sent_at: datetime | None = None
    #: The token of the entry's latest claim (empty until claimed): what fences its marks.
    claim_token: str = ""

    @property
    def key(self) -> str:
        """The idempotency key (the notification's)."""
        return self.notification.key

    def due(self, now: datetime) -> bool:
        """True if a dispatcher may claim it at `now`."""
        if self.status is not OutboxStatus.PENDING:
            return False
        if self.next_attempt_at is not None and self.next_attempt_at > now:
            return False
        return self.claimed_until is None or self.claimed_until <= now


@attrs.frozen(slots=True)
class OutboxStats:
    """The outbox at a glance (通知队列概况): entries by status, and the oldest due entry's creation."""

    counts: Mapping[OutboxStatus, int]
    oldest_due: datetime | None = None

    def count(self, status: OutboxStatus) -> int:
        """How many entries have `status`."""
        return self.counts.get(status, 0)

    def oldest_due_age(self, now: datetime) -> float:
        """Seconds the oldest due entry has waited at `now` (0 when none waits)."""
        return max(0.0, (now - self.oldest_due).total_seconds()) if self.oldest_due is not None else 0.0


class OutboxWaiter:
    """How a worker waits between rounds for new outbox entries (新通知唤醒).

    This one cannot hear of new entries: `wait_for_work` waits out its
    timeout (the worker polls).  A store that announces commits gives a
    waiter that returns as soon as an entry is committed by any process.
    `interrupt` (a stop request, safe from a signal handler) ends the wait
    under way and every later one at once.
    """

    def __init__(self) -> None:
        self._interrupted = threading.Event()

    def listen(self) -> None:
        """Start hearing of new entries now (before the worker's first look); nothing here."""

    def wait_for_work(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True if told that entries were queued meanwhile.

        False on timeout or interrupt: the caller then looks for due entries
        anyway (polling is the fallback, never lost work).
        """
        self._interrupted.wait(timeout)
        return False

    def interrupt(self) -> None:
        """End the wait under way, and make later waits return at once."""
        self._interrupted.set()

    @property
    def interrupted(self) -> bool:
        """True once `interrupt` was called."""
        return self._interrupted.is_set()

    def close(self) -> None:
        """Give back what the waiter holds (a listening connection); nothing here."""


class Outbox(ABC):
    """What a dispatcher and `govbiz outbox` need from a store's outbox."""

    @abstractmethod
    def claim(self, now: datetime, *, limit: int, lease: timedelta, worker: str) -> list[OutboxEntry]:
        """Claim up to `limit` due entries for `worker` until `now + lease`, oldest first.

        Two dispatchers never claim the same entry while its lease runs.
        Each claim carries a new token (`claim_token` of the entries returned),
        which the marks below must present.
        """

    @abstractmethod
    def renew(self, key: str, *, token: str, until: datetime) -> bool:
        """Extend the lease of `key` to `until`, if `token` is its current claim and it is pending.

        `False` means the claim is lost (the lease ran out and another
        dispatcher claimed it, or it was marked): do not deliver it.
        """

    @abstractmethod
    def mark_sent(self, key: str, at: datetime, *, worker: str, token: str) -> bool:
        """Record that `key` was delivered, counting that attempt too (a first-time send shows 1).

        `False` (nothing changed) if `token` is not its current claim.
        """

    @abstractmethod
    def mark_failed(
        self, key: str, error: str, *, retry_at: datetime | None, worker: str, token: str
    ) -> bool:
        """Record a failed attempt: retry at `retry_at`, or dead-letter it when `None`.

        `False` (nothing changed) if `token` is not the entry's current claim.
        """

    def mark_superseded(self, key: str, reason: str, *, worker: str, token: str) -> bool:
        """Record that `key` is not to be sent any more, and why (status `superseded`).

        This default dead-letters it with the reason, for outboxes written
        before the status existed; the built-in ones store `superseded`.
        `False` (nothing changed) if `token` is not the entry's current claim.
        """
        return self.mark_failed(key, f"superseded: {reason}", retry_at=None, worker=worker, token=token)

    def release(self, key: str, *, token: str) -> bool:
        """Give up the claim `token` on `key` without an attempt: due again for any dispatcher at once.

        A dispatcher that stops mid-batch (a worker on SIGTERM) releases the
        entries it has not delivered, instead of leaving them to wait out
        their lease.  `False` (nothing changed) if `token` is not the entry's
        current claim.  This default releases nothing, so the lease runs
        out as before; the built-in outboxes release.
        """
        return False

    def stats(self, now: datetime) -> OutboxStats:
        """How many entries have each status, and since when the oldest due entry waits.

        For a worker's health and metrics.  This default reads `entries`;
        the built-in outboxes count in one query.
        """
        everything = self.entries(limit=2**62)
        counts = {status: sum(e.status is status for e in everything) for status in OutboxStatus}
        waiting = [e.created_at for e in everything if e.due(now)]
        return OutboxStats(counts, min(waiting, default=None))

    def waiter(self) -> OutboxWaiter:
        """A new `OutboxWaiter` for a worker on this outbox; close it when done.

        This default only polls (SQLite, memory); the PostgreSQL store's
        listens for the notices its commits send.
        """
        return OutboxWaiter()

    @abstractmethod
    def entries(self, status: OutboxStatus | None = None, *, limit: int = 100) -> list[OutboxEntry]:
        """Entries (of `status`), newest first."""

    @abstractmethod
    def retry(self, keys: Sequence[str] | None = None) -> int:
        """Make dead entries (the given keys, or all dead ones) pending again; return how many."""

    @abstractmethod
    def purge(self, status: OutboxStatus, before: datetime) -> int:
        """Delete entries of `status` created before `before`; return how many.

        An entry queued for `before` or later (`next_attempt_at`, a reminder
        for a later day) is kept: its key is what stops that day's sweep
        queuing it a second time.  So is an entry queued once per clock (its
        key starts with `ONCE_PER_CLOCK`: a reminder letter), whatever its age.
        """
