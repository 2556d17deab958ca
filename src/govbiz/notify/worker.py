"""The notification worker (通知服务): delivers the outbox continuously and sweeps once a day.

`govbiz outbox dispatch` and `govbiz remind` are one-shot commands for cron.
A county that runs govbiz as a service runs one long-lived process instead,
`govbiz worker`, which

* runs dispatcher rounds while entries are due, and waits when none are:
  on the outbox's `OutboxWaiter`, for at most `poll` seconds.  On
  PostgreSQL the wait ends as soon as any process commits an entry
  (LISTEN/NOTIFY, `govbiz_postgres.wakeups`), so `poll` is only the
  fallback; elsewhere the worker polls.  A stop request ends the wait at once;
* runs the daily reminder sweep (`govbiz.notify.sweep.sweep`) once a day at
  `sweep_at`, Beijing time, and at start-up when that time has passed
  today: the sweep is idempotent (a day's reminders have keys of their
  own), so a restart never reminds twice;
* stops cleanly when asked (`request_stop`, which `govbiz worker` calls on
  SIGTERM and SIGINT): the delivery under way finishes (each is bounded by
  the dispatcher's timeout), the entries claimed but not yet delivered are
  released for another worker at once, and the loop returns.

Several workers may share one database: the outbox's claims keep each
entry with one of them at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
The county channels are read from the ledger's configuration files at
start-up and again at each daily sweep.  `serve_health` answers
`/healthz` and `/metrics` (Prometheus' text format) for monitoring.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import attrs

from govbiz.clock import beijing
from govbiz.notify.channel_book import ChannelBook, ledger_channels
from govbiz.notify.dispatcher import Dispatcher, DispatchReport, check_timing
from govbiz.notify.recheck import warning_recheck
from govbiz.notify.sweep import sweep
from govbiz.ports.outbox import OutboxStatus, OutboxWaiter

if TYPE_CHECKING:
    from govbiz.ledger import Ledger
    from govbiz.ports.channel import NotificationChannel

__all__ = ["Worker", "WorkerStatus", "prometheus_text", "serve_health"]

log = logging.getLogger(__name__)

#: The outcomes a dispatcher round reports, in the order the metrics list them.
OUTCOMES = tuple(field.name for field in attrs.fields(DispatchReport))


@attrs.define
class WorkerStatus:
    """What a worker has done since it started: for its log, `/healthz` and `/metrics`."""

    started_at: datetime
    rounds: int = 0
    delivered: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(OUTCOMES, 0))
    #: When the loop last showed it is alive (a round began or a delivery was about to).
    last_beat: datetime | None = None
    last_sweep_on: date | None = None
    last_sweep_queued: int = 0

    def add(self, report: DispatchReport) -> None:
        """Count a round's outcomes."""
        self.rounds += 1
        for outcome in OUTCOMES:
            self.delivered[outcome] += len(getattr(report, outcome))


class Worker:
    """Dispatches `ledger`'s outbox continuously and sweeps it daily (see the module docstring).

    `channels` defaults to the installed channels and the county channels
    of the ledger's configuration files (`ledger_channels`).  `sweep_at=None`
    never sweeps (a dispatch-only worker).  `poll` is the longest wait when
    nothing is due (a store that announces commits, PostgreSQL, ends it as
    soon as an entry is queued); `batch`, `lease` and `timeout` are the
    dispatcher's.
    """

    def __init__(
        self,
        ledger: Ledger,
        channels: ChannelBook | Mapping[str, NotificationChannel] | None = None,
        *,
        sweep_at: time | None = time(8, 30),
        counties: frozenset[str] | None = None,
        poll: float = 5.0,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=5),
        timeout: float = 30.0,
        worker: str | None = None,
    ) -> None:
        check_timing(timeout, lease, batch)
        if not poll > 0:
            from govbiz.errors import ValidationError

            raise ValidationError("poll", poll, "must be positive (seconds to wait when nothing is due)")
        self.ledger = ledger
        self._fixed_channels = channels
        self._sweep_at = sweep_at
        self._counties = counties
        self._poll = poll
        self._stop = threading.Event()
        self._waiter: OutboxWaiter | None = None  # while `run` runs
        self.lease = lease
        self.status = WorkerStatus(started_at=ledger.clock.now())
        self._dispatcher = Dispatcher(
            ledger.store.outbox(), self._channels(), ledger.clock, worker=worker, batch=batch, lease=lease,
            timeout=timeout, recheck=warning_recheck(ledger),
        )  # fmt: skip

    @property
    def name(self) -> str:
        """How this worker names itself in claims (host:pid by default)."""
        return self._dispatcher.worker

    def request_stop(self) -> None:
        """Ask the loop to stop: safe from a signal handler or another thread."""
        self._stop.set()
        waiter = self._waiter
        if waiter is not None:
            waiter.interrupt()

    @property
    def stopping(self) -> bool:
        """True once a stop was requested."""
        return self._stop.is_set()

    def run(self) -> WorkerStatus:
        """Loop until `request_stop`; return what was done."""
        # Listening starts before the first round looks: an entry committed in between wakes the next wait.
        waiter = self._waiter = self.ledger.store.outbox().waiter()
        waiter.listen()
        if self.stopping:  # asked before the waiter existed
            waiter.interrupt()
        log.info("worker started", extra={"govbiz": {"worker": self.name, "sweep_at": str(self._sweep_at)}})
        try:
            while not self.stopping:
                report = self.step()
                if not report.claimed and not self.stopping:
                    waiter.wait_for_work(self._poll)
        finally:
            self._waiter = None
            waiter.close()
        log.info("worker stopped", extra={"govbiz": {"worker": self.name, **self.status.delivered}})
        return self.status

    def step(self) -> DispatchReport:
        """One turn of the loop: the daily sweep when it is due, then one dispatcher round."""
        self._beat()
        self.sweep_if_due()
        report = self._dispatcher.run_once(stop=self._beat_unless_stopping)
        self.status.add(report)
        if report.claimed:
            counts = {outcome: len(getattr(report, outcome)) for outcome in OUTCOMES}
            log.info("dispatched", extra={"govbiz": {k: v for k, v in counts.items() if v}})
        return report

    def sweep_if_due(self) -> bool:
        """Run today's reminder sweep if its time has come and it has not run today; True if it ran."""
        if self._sweep_at is None:
            return False
        now = self.ledger.clock.now().astimezone(beijing())
        if now.time() < self._sweep_at or self.status.last_sweep_on == now.date():
            return False
        report = sweep(self.ledger, now, counties=self._counties)
        self.status.last_sweep_on = now.date()
        self.status.last_sweep_queued = report.queued
        # Configuration files applied since yesterday may have set up county channels.
        self._dispatcher.use_channels(self._channels())
        log.info("swept", extra={"govbiz": {"as_of": now.isoformat(), "queued": report.queued,
                                            "already_queued": report.already_queued,
                                            "reminder_letters": report.letters}})  # fmt: skip
        if report.calendar_warning:
            log.warning(report.calendar_warning)
        return True

    def healthy(self) -> bool:
        """True while the loop shows life within a lease (no delivery lasts longer than its timeout)."""
        beat = self.status.last_beat
        return beat is not None and self.ledger.clock.now() - beat <= self.lease

    def _channels(self) -> ChannelBook | Mapping[str, NotificationChannel]:
        return self._fixed_channels if self._fixed_channels is not None else ledger_channels(self.ledger)

    def _beat(self) -> None:
        self.status.last_beat = self.ledger.clock.now()

    def _beat_unless_stopping(self) -> bool:
        self._beat()
        return self.stopping


def prometheus_text(worker: Worker) -> str:
    """The worker's and its outbox's figures in Prometheus' text exposition format."""
    now = worker.ledger.clock.now()
    stats = worker.ledger.store.outbox().stats(now)
    lines = [
        "# HELP govbiz_outbox_entries Outbox entries by status.",
        "# TYPE govbiz_outbox_entries gauge",
        *(f'govbiz_outbox_entries{{status="{s.value}"}} {stats.count(s)}' for s in OutboxStatus),
        "# HELP govbiz_outbox_oldest_due_age_seconds How long the oldest entry that is due has waited.",
        "# TYPE govbiz_outbox_oldest_due_age_seconds gauge",
        f"govbiz_outbox_oldest_due_age_seconds {stats.oldest_due_age(now):.3f}",
        "# HELP govbiz_worker_deliveries_total Claimed entries by outcome since the worker started.",
        "# TYPE govbiz_worker_deliveries_total counter",
        *(f'govbiz_worker_deliveries_total{{outcome="{o}"}} {worker.status.delivered[o]}' for o in OUTCOMES),
        "# HELP govbiz_worker_rounds_total Dispatcher rounds since the worker started.",
        "# TYPE govbiz_worker_rounds_total counter",
        f"govbiz_worker_rounds_total {worker.status.rounds}",
        "# HELP govbiz_worker_up 1 while the worker's loop shows life within a lease.",
        "# TYPE govbiz_worker_up gauge",
        f"govbiz_worker_up {int(worker.healthy())}",
    ]
    return "\n".join(lines) + "\n"


def serve_health(worker: Worker, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Answer `GET /healthz` (JSON; 503 when unhealthy) and `GET /metrics` in a daemon thread.

    Returns the server (its `server_address` has the port, useful with
    `port=0`); `shutdown()` then `server_close()` stops it.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._health()
            elif self.path == "/metrics":
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(worker))
            else:
                self._send(404, "text/plain; charset=utf-8", "not found: try /healthz or /metrics\n")

        def _health(self) -> None:
            status = worker.status
            body: dict[str, Any] = {
                "status": "ok" if worker.healthy() else "stalled",
                "worker": worker.name,
                "rounds": status.rounds,
                "last_beat": status.last_beat.isoformat() if status.last_beat else None,
                "last_sweep_on": status.last_sweep_on.isoformat() if status.last_sweep_on else None,
                "stopping": worker.stopping,
            }
            code = 200 if body["status"] == "ok" else 503
            self._send(code, "application/json", json.dumps(body, ensure_ascii=False) + "\n")

        def _send(self, code: int, content_type: str, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("health: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="govbiz-worker-health", daemon=True).start()
    return server
