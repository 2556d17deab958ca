"""The dispatcher (通知投递): delivers outbox entries, with retries and a dead letter.

Each round it claims a batch of due entries under a lease, delivers each one
through its channel with a hard timeout, and marks it sent, failed (retried
after an exponentially growing delay), or dead (a permanent error or too
many attempts, with the last error kept for `govbiz outbox list`).  An
entry that `recheck` finds out of date (a reminder whose clock was met
since it was queued) is marked superseded instead of sent.  A
channel that raises or hangs costs that one message an attempt and never
blocks the others, nor the commands that queued them.  Several dispatchers
(on several machines, against one database) share the work through the
lease: an entry is claimed by one of them at a time.

The lease is renewed just before each delivery, for the whole lease again,
and a delivery may take at most `timeout` seconds, which must be shorter
than the lease: so an entry's lease never runs out while it is being
delivered, however long the batch before it took.  Should it run out all
the same (a paused process, a clock jump), the claim's token fences the
marks: the outbox refuses them from a dispatcher that no longer holds the
claim, the entry counts as `lost` in the report, and whichever dispatcher
claimed it since records the outcome.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs

from govbiz.clock import Clock
from govbiz.errors import ValidationError
from govbiz.notify.channel_book import ChannelBook
from govbiz.ports.channel import DeliveryError, NotificationChannel
from govbiz.ports.outbox import Outbox, OutboxEntry

__all__ = ["DispatchReport", "Dispatcher", "Recheck", "RetryPolicy", "check_timing"]

#: Asked for each claimed entry before delivery: why it must not be sent any more, or `None`.
Recheck = Callable[[OutboxEntry], str | None]

log = logging.getLogger(__name__)


@attrs.frozen(slots=True)
class RetryPolicy:
    """When to try again: `first_delay * 2**(attempt-1)`, at most `max_delay`, `max_attempts` in all."""

    max_attempts: int = 8
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to retry after `attempts` failed attempts, or `None` to give up (dead letter)."""
        if attempts >= self.max_attempts:
            return None
        delay = min(self.first_delay * (1 << (attempts - 1)), self.max_delay)
        return now + delay


@attrs.frozen(slots=True)
class DispatchReport:
    """What one round did: keys sent, retried later, dead-lettered, superseded (not sent) and lost.

    `lost` are entries whose claim another dispatcher took over before this
    one could renew it or record the outcome; that one records it.
    """

    sent: tuple[str, ...] = ()
    retried: tuple[str, ...] = ()
    dead: tuple[str, ...] = ()
    superseded: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    #: Claimed but given back undelivered because the dispatcher was told to stop.
    released: tuple[str, ...] = ()

    @property
    def claimed(self) -> int:
        """How many entries the round claimed."""
        return sum(len(keys) for keys in attrs.astuple(self, recurse=False))

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(*(a + b for a, b in zip(attrs.astuple(self, recurse=False),
                                                       attrs.astuple(other, recurse=False), strict=True)))


class Dispatcher:
    """Delivers due outbox entries through the registered channels.

    Each delivery runs in a thread of its own, given up after `timeout`
    seconds (a channel that hangs costs that message an attempt); `timeout`
    must be positive and shorter than `lease`, and a ValidationError names
    it otherwise.  `timeout=None` delivers in the caller's thread instead,
    without that backstop and without the cost of a thread per message:
    only for channels that cannot hang, such as
    `govbiz.notify.CaptureChannel` (the simulation delivers a year of
    notices that way).
    """

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, NotificationChannel] | ChannelBook,
        clock: Clock,
        *,
        worker: str | None = None,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=5),
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        recheck: Recheck | None = None,
    ) -> None:
        check_timing(timeout, lease, batch)
        self._outbox = outbox
        self._book = channels if isinstance(channels, ChannelBook) else ChannelBook(dict(channels))
        self._clock = clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._batch = batch
        self._lease = lease
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._recheck = recheck

    def use_channels(self, channels: Mapping[str, NotificationChannel] | ChannelBook) -> None:
        """Deliver through `channels` from the next entry on (a worker re-reads the county files daily)."""
        self._book = channels if isinstance(channels, ChannelBook) else ChannelBook(dict(channels))

    def run_once(self, *, stop: Callable[[], bool] | None = None) -> DispatchReport:
        """Claim one batch and deliver it; return what happened.

        `stop` is asked before each delivery: once it says `True`, the
        entries not yet delivered are released (due again for any
        dispatcher at once) instead of waiting out their lease.
        """
        entries = self._outbox.claim(
            self._clock.now(), limit=self._batch, lease=self._lease, worker=self.worker
        )
        outcomes: dict[str, list[str]] = {field.name: [] for field in attrs.fields(DispatchReport)}
        for entry in entries:
            if stop is not None and stop():
                self._outbox.release(entry.key, token=entry.claim_token)
                outcomes["released"].append(entry.key)
                continue
            outcomes[self._deliver(entry)].append(entry.key)
        return DispatchReport(**{outcome: tuple(keys) for outcome, keys in outcomes.items()})

    def run_until_idle(self, *, max_rounds: int = 1000) -> DispatchReport:
        """Run rounds until one claims nothing (or `max_rounds`); return everything done."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = self.run_once()
            if not report.claimed:
                break
            total += report
        return total

    def _deliver(self, entry: OutboxEntry) -> str:
        token = entry.claim_token
        # The whole lease again, from now: the delivery below ends (timeout < lease) before it does.
        if not self._outbox.renew(entry.key, token=token, until=self._clock.now() + self._lease):
            return self._lost(entry, "its lease ran out before its turn")
        stale = self._recheck(entry) if self._recheck is not None else None
        if stale is not None:  # judged when sent, not only when queued
            log.info("not sending %s: %s", entry.key, stale)
            marked = self._outbox.mark_superseded(entry.key, stale, worker=self.worker, token=token)
            return "superseded" if marked else self._lost(entry, "superseded")
        county, name = entry.county, entry.notification.channel
        channel = self._book.channel_for(county, name)
        if channel is None:  # a county's channel not usable here yet is retried; an unknown one is not
            permanent = not self._book.is_temporary(county, name)
            return self._failed(entry, self._book.missing(county, name), permanent=permanent)
        error: BaseException | None
        if self._timeout is None:
            error = _deliver_here(channel, entry)
        else:
            error = _deliver_with_timeout(channel, entry, self._timeout)
        if error is None:
            marked = self._outbox.mark_sent(entry.key, self._clock.now(), worker=self.worker, token=token)
            return "sent" if marked else self._lost(entry, "sent")
        permanent = isinstance(error, DeliveryError) and error.permanent
        return self._failed(entry, f"{type(error).__name__}: {error}", permanent=permanent)

    def _failed(self, entry: OutboxEntry, error: str, *, permanent: bool) -> str:
        attempts = entry.attempts + 1
        retry_at = None if permanent else self._retry.next_attempt(attempts, self._clock.now())
        log.warning("delivery of %s failed (attempt %d): %s", entry.key, attempts, error)
        marked = self._outbox.mark_failed(
            entry.key, error, retry_at=retry_at, worker=self.worker, token=entry.claim_token
        )
        if not marked:
            return self._lost(entry, "failed")
        return "retried" if retry_at is not None else "dead"

    def _lost(self, entry: OutboxEntry, what: str) -> str:
        log.warning(
            "%s: the claim on %s was taken over by another dispatcher (%s); its outcome is theirs to record",
            self.worker, entry.key, what,
        )  # fmt: skip
        return "lost"


def check_timing(timeout: float | None, lease: timedelta, batch: int = 1) -> None:
    """Refuse a delivery `timeout` that is not positive or not shorter than the `lease`.

    `None` (deliver in the caller's thread, no timeout) passes.

    A negative timeout gave up at once on a delivery still running (the
    channel delivered it, the outbox recorded a failure and sent it again);
    one as long as the lease let the lease run out mid-delivery.
    """
    seconds = lease.total_seconds()
    if not seconds > 0:
        raise ValidationError("lease", seconds, "must be positive")
    if timeout is not None and not 0 < timeout < seconds:
        raise ValidationError(
            "timeout", timeout, f"must be positive and shorter than the lease ({seconds:g} s)"
        )
    if batch < 1:
        raise ValidationError("batch", batch, "must be at least 1")


def _deliver_here(channel: NotificationChannel, entry: OutboxEntry) -> Exception | None:
    """Deliver in the calling thread; an exception is the channel's failure, as in a thread."""
    try:
        channel.deliver(entry.notification)
    except Exception as exc:  # reported to the dispatcher, never lost
        return exc
    return None


def _deliver_with_timeout(
    channel: NotificationChannel, entry: OutboxEntry, timeout: float
) -> BaseException | None:
    """Deliver in a daemon thread; a channel that hangs past `timeout` counts as a temporary failure.

    Channels must time out on their own; this is the backstop that keeps one
    hung connection from stopping the dispatcher.
    """
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            channel.deliver(entry.notification)
        except BaseException as exc:  # reported to the dispatcher, never lost
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=attempt, name=f"deliver-{entry.key}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive() or not outcome:
        return DeliveryError(entry.notification.channel, f"no answer within {timeout:g} s", permanent=False)
    return outcome[0]
