"""Checkpoints as commands commit (自动锚定): at every commit, or at most every few seconds.

`govbiz audit checkpoint` run by a timer anchors the trail every few
minutes; until the next run, a forged event dated now cannot be told from
a real one (see "What this does not catch" in the audit-trail concepts).
A `Checkpointer`, subscribed to a ledger, shortens that window to
`interval`: after a commit it signs a checkpoint (`govbiz.checkpoint.make_checkpoint`)
once `interval` has passed since the last one, and a commit that came
sooner is anchored by a timer when it has.  `interval=0` anchors every
commit.  The process then holds the checkpoint key (never the database):
`govbiz.open` subscribes one when ``$GOVBIZ_CHECKPOINT_KEY`` and
``$GOVBIZ_CHECKPOINT_EVERY`` (seconds) are both set.

Each checkpoint reads the whole event log, as the command does; a failure is
logged and never undoes a command (subscribers run after the commit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from govbiz.checkpoint import make_checkpoint
from govbiz.domain.events import DomainEvent
from govbiz.errors import ConcurrencyError
from govbiz.ports.checkpoints import SignedCheckpoint
from govbiz.ports.signer import Signer
from govbiz.ports.storage import Store

__all__ = ["EVERY_ENV", "Checkpointer"]

log = logging.getLogger(__name__)

#: The environment variable giving `govbiz.open`'s checkpoint interval in seconds.
EVERY_ENV = "GOVBIZ_CHECKPOINT_EVERY"


class Checkpointer:
    """An event subscriber that signs checkpoints of `store` at most every `interval` seconds.

    `now` gives the checkpoint's time (the ledger's clock); `monotonic`
    measures the interval.  Use `flush` to anchor what is pending at once
    and `close` to stop the timer (pending commits are anchored first).
    """

    def __init__(
        self,
        store: Store,
        signer: Signer,
        now: Callable[[], datetime],
        *,
        interval: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval < 0:
            raise ValueError(f"a checkpoint interval is never negative, got {interval}")
        self.store = store
        self.signer = signer
        self.now = now
        self.interval = interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last: float | None = None
        self._pending = False
        self._timer: threading.Timer | None = None
        #: The checkpoints this checkpointer signed, newest last.
        self.made: list[SignedCheckpoint] = []

    def __call__(self, events: Sequence[DomainEvent]) -> None:
        """After a commit: anchor it now if `interval` has passed, else when it has."""
        if not events:
            return
        with self._lock:
            self._pending = True
            due = self._last is None or self._monotonic() - self._last >= self.interval
            if due:
                self._anchor()
            elif self._timer is None:
                wait = self.interval - (self._monotonic() - (self._last or 0.0))
                self._timer = threading.Timer(max(wait, 0.0), self._on_timer)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> SignedCheckpoint | None:
        """Anchor what is pending now; the checkpoint, or `None` if nothing was pending."""
        with self._lock:
            return self._anchor() if self._pending else None

    def close(self) -> None:
        """Anchor what is pending and stop the timer."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.flush()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            if self._pending:
                try:
                    self._anchor()
                except Exception:  # a timer thread has no caller to tell: log it, try at the next commit
                    log.exception("the checkpoint could not be made; the next commit tries again")

    def _anchor(self) -> SignedCheckpoint:
        now = self.now()  # taken before the log is read: what it reads was committed by then
        with self.store.unit_of_work() as uow:
            events = uow.events()
        log_ = self.store.checkpoints()
        try:
            signed = make_checkpoint(events, log_, self.signer, now)
        except ConcurrencyError:  # another process took the number meanwhile: chain to its checkpoint
            signed = make_checkpoint(events, log_, self.signer, now)
        self._pending = False
        self._last = self._monotonic()
        self.made.append(signed)
        return signed
