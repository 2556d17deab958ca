"""`govbiz worker`: one long-running process that delivers notifications and runs the daily sweep.

A `Worker` does what cron did with `govbiz outbox dispatch` and `govbiz
remind`: it dispatches the outbox until nothing is due, then waits `poll`
seconds (or until it is stopped) and again; once a day, at or after
`sweep_at` Beijing time, it runs the reminder sweep (催办扫描), which is
idempotent per day, so several workers on one database queue each reminder
once.  Claims are leased and fenced by the library's `Dispatcher` (several
workers never send one entry twice).  `stop()` (SIGTERM) lets the round in
progress finish, so no claim is left to run out.

Each round logs one line of JSON (`logging`, logger `govbiz.worker`), and
`WorkerStatus` gives `/healthz` and the Prometheus metrics (`serve_status`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

from govbiz.clock import beijing
from govbiz.ledger import Ledger
from govbiz.notify.dispatcher import Dispatcher, DispatchReport
from govbiz.ports.outbox import OutboxStatus

__all__ = ["OutboxFigures", "Worker", "WorkerStatus", "outbox_figures", "prometheus_text", "serve_status"]

log = logging.getLogger("govbiz.worker")

_OUTCOMES = ("sent", "retried", "dead", "superseded", "lost")


@attrs.frozen(slots=True)
class OutboxFigures:
    """How the outbox stands: entries by status, and the age of the oldest pending one (seconds)."""

    by_status: dict[str, int]
    oldest_pending_age: float | None


def outbox_figures(ledger: Ledger, now: datetime) -> OutboxFigures:
    """Count the outbox: one grouped query on a SQL store, else the store's own listing."""
    from govbiz.storage.sql.store import SQLStore

    counts = {status.value: 0 for status in OutboxStatus}
    oldest: datetime | None = None
    store = ledger.store
    if isinstance(store, SQLStore):
        import sqlalchemy as sa

        from govbiz.storage.sql.schema import metadata

        table = metadata.tables["outbox"]
        with store.reading() as conn:
            for status, count in conn.execute(
                sa.select(table.c.status, sa.func.count()).group_by(table.c.status)
            ):
                counts[str(status)] = int(count)
            oldest = conn.execute(
                sa.select(sa.func.min(table.c.created_at)).where(table.c.status == OutboxStatus.PENDING.value)
            ).scalar()
    else:
        for entry in store.outbox().entries(limit=1_000_000):
            counts[entry.status.value] += 1
            if entry.status is OutboxStatus.PENDING and (oldest is None or entry.created_at < oldest):
                oldest = entry.created_at
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else None
    return OutboxFigures(counts, age)


@attrs.define
class WorkerStatus:
    """What this worker did since it started (for `/healthz` and the metrics)."""

    started_at: datetime
    rounds: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    superseded: int = 0
    lost: int = 0
    sweeps: int = 0
    last_round_at: datetime | None = None
    last_sweep_day: date | None = None
    last_error: str = ""

    def add(self, report: DispatchReport, at: datetime) -> None:
        self.rounds += 1
        self.sent += len(report.sent)
        self.retried += len(report.retried)
        self.dead += len(report.dead)
        self.superseded += len(report.superseded)
        self.lost += len(report.lost)
        self.last_round_at = at


class Worker:
    """Dispatches `ledger`'s outbox through `dispatcher` and sweeps daily at `sweep_at` (Beijing time).

    `sweep_at=None` leaves the sweep to someone else (cron's `govbiz remind`).
    """

    def __init__(
        self,
        ledger: Ledger,
        dispatcher: Dispatcher,
        *,
        poll: float = 5.0,
        sweep_at: time | None = time(8, 0),
        sweep: Callable[[Ledger, datetime], Any] | None = None,
    ) -> None:
        self.ledger = ledger
        self.dispatcher = dispatcher
        self.poll = poll
        self.sweep_at = sweep_at
        self._sweep = sweep
        self._stop = threading.Event()
        self.status = WorkerStatus(started_at=ledger.clock.now())

    def stop(self) -> None:
        """Stop after the round in progress (SIGTERM calls this)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_round(self) -> DispatchReport:
        """One round: the sweep if it is due, then deliver until nothing is due."""
        now = self.ledger.clock.now()
        swept = self._sweep_if_due(now)
        report = self.dispatcher.run_until_idle()
        self.status.add(report, self.ledger.clock.now())
        if report.claimed or swept:
            line = {"event": "round", "at": now.isoformat(), "swept": swept}
            line.update({name: len(getattr(report, name)) for name in _OUTCOMES})
            log.info(json.dumps(line, ensure_ascii=False))
        return report

    def run(self) -> None:
        """Rounds until stopped; an error in a round is logged and the next round tries again."""
        log.info(json.dumps({"event": "start", "worker": self.dispatcher.worker}))
        while not self._stop.is_set():
            try:
                self.run_round()
            except Exception as error:  # a database restart must not end the service
                self.status.last_error = f"{type(error).__name__}: {error}"
                log.exception(json.dumps({"event": "round_failed", "error": self.status.last_error}))
            self._stop.wait(self.poll)
        log.info(
            json.dumps({"event": "stop", "worker": self.dispatcher.worker, "rounds": self.status.rounds})
        )

    def _sweep_if_due(self, now: datetime) -> bool:
        if self.sweep_at is None:
            return False
        local = now.astimezone(beijing())
        if local.time() < self.sweep_at or self.status.last_sweep_day == local.date():
            return False
        sweep = self._sweep or _library_sweep
        sweep(self.ledger, now)
        self.status.last_sweep_day = local.date()
        self.status.sweeps += 1
        return True


def _library_sweep(ledger: Ledger, now: datetime) -> Any:
    from govbiz.notify.sweep import sweep

    return sweep(ledger, now)


def prometheus_text(worker: Worker) -> str:
    """The worker's and the outbox's figures in the Prometheus text format."""
    now = worker.ledger.clock.now()
    figures = outbox_figures(worker.ledger, now)
    s = worker.status
    lines = [
        "# HELP govbiz_outbox_entries Outbox entries by status.",
        "# TYPE govbiz_outbox_entries gauge",
        *(f'govbiz_outbox_entries{{status="{k}"}} {v}' for k, v in sorted(figures.by_status.items())),
        "# HELP govbiz_outbox_oldest_pending_age_seconds Age of the oldest pending entry.",
        "# TYPE govbiz_outbox_oldest_pending_age_seconds gauge",
        f"govbiz_outbox_oldest_pending_age_seconds {figures.oldest_pending_age or 0:.3f}",
    ]
    for name, value, text in [
        ("sent", s.sent, "Entries this worker sent."),
        ("retried", s.retried, "Deliveries this worker will retry."),
        ("dead", s.dead, "Entries this worker dead-lettered."),
        ("rounds", s.rounds, "Dispatch rounds this worker ran."),
        ("sweeps", s.sweeps, "Daily reminder sweeps this worker ran."),
    ]:
        lines += [f"# HELP govbiz_worker_{name}_total {text}", f"# TYPE govbiz_worker_{name}_total counter"]
        lines.append(f"govbiz_worker_{name}_total {value}")
    return "\n".join(lines) + "\n"


def serve_status(worker: Worker, host: str, port: int) -> ThreadingHTTPServer:
    """Answer `/healthz` (JSON) and `/metrics` (Prometheus) in a daemon thread; `shutdown()` stops it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                s = worker.status
                last = s.last_round_at.isoformat() if s.last_round_at else None
                body = json.dumps({
                    "status": "stopping" if worker.stopping else "ok", "worker": worker.dispatcher.worker,
                    "rounds": s.rounds, "last_round_at": last, "last_error": s.last_error,
                }).encode()  # fmt: skip
                self._answer(200, "application/json", body)
            elif self.path == "/metrics":
                self._answer(200, "text/plain; version=0.0.4", prometheus_text(worker).encode())
            else:
                self._answer(404, "text/plain", b"not found\n")

        def _answer(self, status: int, media: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # scrapes every 15 s: not worth a line
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="govbiz-worker-status").start()
    return server
