"""`govbiz worker`: the long-running notification service (通知服务)."""

from __future__ import annotations

import json
import logging
import signal
import sys
from datetime import datetime, time, timedelta
from typing import Any

import click

from govbiz.cli.options import county_type, db_option, govbiz_errors, open_existing


def _sweep_time(ctx: click.Context, param: click.Parameter, value: str) -> time | None:
    if value.lower() == "never":
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time of day such as 08:30 (or 'never')") from None


@click.command("worker")
@db_option
@click.option(
    "--sweep-at", default="08:30", show_default=True, metavar="HH:MM", callback=_sweep_time,
    help="Beijing time of the daily reminder sweep; 'never' for a dispatch-only worker.",
)  # fmt: skip
@county_type(names=("--county", "counties"), multiple=True, help="Sweep only these counties (repeatable).")
@click.option(
    "--poll", type=float, default=5.0, show_default=True,
    help="Longest wait in seconds when none is due (PostgreSQL wakes it sooner: LISTEN/NOTIFY).",
)  # fmt: skip
@click.option("--batch", type=int, default=20, show_default=True, help="Entries claimed per round.")
@click.option("--lease", type=float, default=300.0, show_default=True, help="Seconds a claim lasts.")
@click.option(
    "--timeout", type=float, default=30.0, show_default=True,
    help="Seconds one delivery may take: positive, shorter than --lease.",
)  # fmt: skip
@click.option(
    "--metrics-port", type=int, default=None, metavar="PORT",
    help="Serve /healthz and /metrics (Prometheus) on this port (0: any free port, printed).",
)  # fmt: skip
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address to serve them on.")
@click.option(
    "--log-format", type=click.Choice(["json", "text"]), default="json", show_default=True,
    help="One JSON object per line on standard error (for journald, Loki ...) or plain text.",
)  # fmt: skip
@govbiz_errors
def worker_command(  # click passes the options by name
    *,
    db: str | None,
    sweep_at: time | None,
    counties: tuple[str, ...],
    poll: float,
    batch: int,
    lease: float,
    timeout: float,
    metrics_port: int | None,
    metrics_host: str,
    log_format: str,
) -> None:
    """Deliver notifications continuously and queue the reminders once a day, until stopped.

    Each round claims due outbox entries and delivers them; with nothing
    due it waits, on PostgreSQL until a commit queues an entry (LISTEN/NOTIFY),
    at most --poll seconds.  At --sweep-at (Beijing time), and at
    start-up once that time has passed today, it runs `govbiz remind`'s
    sweep, which queues each reminder once a day however often it runs.
    SIGTERM or Ctrl-C stops it cleanly: the delivery under way finishes,
    claimed entries not yet delivered are released for another worker, and
    it exits 0.  Several workers may share one database.
    """
    from govbiz.notify.worker import Worker, serve_health

    _configure_logging(log_format)
    ledger = open_existing(db)  # a worker on a mistyped path must not create an empty ledger
    worker = Worker(
        ledger, sweep_at=sweep_at, counties=frozenset(counties) or None, poll=poll, batch=batch,
        lease=timedelta(seconds=lease), timeout=timeout,
    )  # fmt: skip
    server = None
    if metrics_port is not None:
        server = serve_health(worker, metrics_host, metrics_port)
        host, port = server.server_address[:2]
        click.echo(f"worker {worker.name}: /healthz and /metrics on http://{host!s}:{port}", err=True)
    stop = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda *_: worker.request_stop()) for sig in stop}
    try:
        status = worker.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if server is not None:
            server.shutdown()
            server.server_close()
        ledger.close()
    released = status.delivered["released"]
    click.echo(
        f"worker {worker.name} stopped: {status.rounds} round(s), sent {status.delivered['sent']}, "
        f"dead {status.delivered['dead']}, released {released}",
        err=True,
    )


class _JsonLines(logging.Formatter):
    """A log record as one JSON object: time (+08:00), level, logger, message and the fields given."""

    def format(self, record: logging.LogRecord) -> str:
        from govbiz.clock import beijing

        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, beijing()).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "govbiz", {}))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _configure_logging(log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("govbiz")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
