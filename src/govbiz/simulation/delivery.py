"""The run's notifications (通知), sent the way a county's installation sends them.

Nothing here composes a message.  Each command queues its notices in the
outbox, in its own transaction (the Ledger does that: assignments, returns,
redos, circulars); on each simulated working day the reminder sweep of
`govbiz remind` (`govbiz.notify.sweep.sweep`) queues the day's warnings;
and the dispatcher of `govbiz outbox dispatch`
(`govbiz.notify.dispatcher.Dispatcher`, with its recheck) delivers every
due entry at the instant it was queued, into a `govbiz.notify.CaptureChannel`
for each channel the divisions' routing rules name.  So a run sends what
the library sends, nothing leaves the process, and the outbox is empty at
the end.  What was delivered is counted by trigger and by channel, and
handed on to `notify` (the command line prints it or passes it to a real
channel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from govbiz.domain.events import DomainEvent
from govbiz.ledger import Ledger
from govbiz.notify.channel import CaptureChannel
from govbiz.notify.dispatcher import Dispatcher, DispatchReport
from govbiz.notify.notifier import trigger_for_event
from govbiz.notify.recheck import warning_recheck
from govbiz.notify.sweep import sweep
from govbiz.ports.channel import Notification
from govbiz.ports.outbox import OutboxStatus
from govbiz.simulation.stats import RunStats

__all__ = ["Delivery", "Notify"]

#: Receives each notification the dispatcher delivered, in delivery order.
Notify = Callable[[Notification], None]

#: Claimed per dispatcher round: a session's assignments go in one or two rounds.
_BATCH = 100


class Delivery:
    """The outbox, the daily sweep and the dispatcher of one run, delivering into memory."""

    def __init__(
        self, ledger: Ledger, counties: Iterable[str], stats: RunStats, *, notify: Notify | None = None
    ) -> None:
        self._ledger = ledger
        self._counties = frozenset(counties)
        self._stats = stats
        self._notify = notify
        names = sorted(
            {
                channel
                for county in self._counties
                for rule in ledger.profile(county).notifications.rules
                for channel in rule.channels
            }
        )
        self._captures = {name: CaptureChannel(name) for name in names}
        self._outbox = ledger.store.outbox()
        self._dispatcher = Dispatcher(
            self._outbox,
            self._captures,
            ledger.clock,
            worker="simulation",
            batch=_BATCH,
            timeout=None,  # capture channels cannot hang: no thread per message
            recheck=warning_recheck(ledger),
        )
        self._queued = False
        ledger.subscribe(self._saw)

    def _saw(self, events: Sequence[DomainEvent]) -> None:
        """Note that a committed command queued notices (an event with a trigger)."""
        if not self._queued and any(trigger_for_event(event) is not None for event in events):
            self._queued = True

    def dispatch_queued(self) -> None:
        """Deliver what the last commands queued, if they queued anything."""
        if self._queued:
            self.dispatch()

    def dispatch(self) -> list[Notification]:
        """Deliver every due entry now; return what was delivered, in order."""
        self._queued = False
        report = DispatchReport()
        while True:  # like run_until_idle, without the empty round after a short batch (a commit each)
            round_ = self._dispatcher.run_once()
            report += round_
            if round_.claimed < _BATCH:
                break
        self._stats.superseded += len(report.superseded)
        fresh: dict[str, Notification] = {}
        for capture in self._captures.values():
            fresh.update((notification.key, notification) for notification in capture.delivered)
            capture.delivered.clear()  # counted and handed on: a year of notices need not stay in memory
        delivered = [fresh[key] for key in report.sent]
        for notification in delivered:
            self._stats.notifications[notification.data.get("trigger", "")] += 1
            self._stats.channels[notification.channel] += 1
            if self._notify is not None:
                self._notify(notification)
        return delivered

    def sweep(self, now: datetime) -> list[Notification]:
        """The daily reminder sweep as of `now`, delivered at once; return what it delivered."""
        report = sweep(self._ledger, now, counties=self._counties)
        return self.dispatch() if report.queued or self._queued else []

    def finish(self) -> None:
        """Deliver what is still due and count what could not be delivered (pending or dead)."""
        self.dispatch()
        left = self._outbox.entries(OutboxStatus.PENDING, limit=1_000_000)
        dead = self._outbox.entries(OutboxStatus.DEAD, limit=1_000_000)
        self._stats.undelivered = len(left) + len(dead)
