"""`govbiz serve` and `govbiz token`: run the HTTP API, and issue the tokens that call it."""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from govbiz.cli.options import county_type, db_option, echo_json, govbiz_errors, json_option, open_existing

if TYPE_CHECKING:
    from govbiz.ledger import Ledger
    from govbiz_api.tokens import ApiToken, TokenStore

__all__ = ["serve_command", "token_command"]

_ROLES = [
    "collector", "secretariat", "chair", "department_handler", "supervisor", "enterprise_contact", "viewer",
    "administrator",
]  # fmt: skip


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True,
    help="Worker processes, each with its own connections to the same database.",
)  # fmt: skip
@click.option("--log-level", default="info", show_default=True, help="uvicorn's log level.")
@click.option(
    "--oidc", "oidc", type=click.Path(exists=True, dir_okay=False), default=None,
    help="TOML settings to accept JWTs of the county's identity provider (issuer, audience, jwks).",
)  # fmt: skip
@click.option(
    "--secure-cookies", is_flag=True,
    help="Mark the workbench's session cookie Secure even where the proxy does not say HTTPS.",
)  # fmt: skip
@click.option(
    "--attachments", "attachments", type=click.Path(file_okay=False), default=None,
    help="Folder for the bytes of attached files (附件); default $GOVBIZ_ATTACHMENTS or govbiz-attachments.",
)  # fmt: skip
@click.option(
    "--attachment-max-mb", "attachment_max_mb", type=click.FloatRange(0, 1024, min_open=True), default=None,
    help="The largest attachment accepted, in MB (default $GOVBIZ_ATTACHMENT_MAX_MB, else 10).",
)  # fmt: skip
@click.option(
    "--token-rate", "token_rate", type=click.IntRange(0, 1_000_000), default=None,
    help="Requests a minute each token may make (default $GOVBIZ_API_TOKEN_RATE, else 600; 0: no limit).",
)  # fmt: skip
@click.option(
    "--client-rate", "client_rate", type=click.IntRange(0, 1_000_000), default=None,
    help="Public status lookups a minute per client address (default $GOVBIZ_API_CLIENT_RATE, else 60).",
)  # fmt: skip
@click.option(
    "--demo", is_flag=True,
    help="Play the Zhangjiajie simulation into a temporary ledger and serve it (as `govbiz demo`).",
)  # fmt: skip
@click.pass_context
@govbiz_errors
def serve_command(
    ctx: click.Context, *, db: str | None, host: str, port: int, workers: int, log_level: str,
    oidc: str | None, secure_cookies: bool, attachments: str | None, attachment_max_mb: float | None,
    token_rate: int | None, client_rate: int | None, demo: bool,
) -> None:
    """Serve the ledger over HTTP (接口服务): every command and query under /v1, OpenAPI at /openapi.json.

    Callers authenticate with tokens from `govbiz token create`.  Behind a
    reverse proxy, keep --host 127.0.0.1 and let the proxy terminate TLS.
    An --oidc file with a [workbench] table signs people in to the
    workbench through the county's identity provider too.

    Several processes (--workers N, or several serve units on one
    PostgreSQL) count the rate limits together in the database.  SIGTERM
    stops it cleanly: the requests under way finish, and it exits 0.
    """
    import uvicorn

    import govbiz
    from govbiz_api.app import ATTACHMENT_MAX_ENV, ATTACHMENTS_ENV, SHARED_LIMITS_ENV
    from govbiz_api.limits import (
        CLIENT_RATE_ENV,
        PER_CLIENT,
        PER_TOKEN,
        TOKEN_RATE_ENV,
        limit_from_environment,
    )
    from govbiz_api.server import FACTORY
    from govbiz_api.workbench.web import SECURE_ENV

    if secure_cookies:
        os.environ[SECURE_ENV] = "1"  # each worker process reads it
    if attachments is not None:
        os.environ[ATTACHMENTS_ENV] = os.path.abspath(attachments)
    if attachment_max_mb is not None:
        os.environ[ATTACHMENT_MAX_ENV] = str(attachment_max_mb)
    rates = ((TOKEN_RATE_ENV, token_rate, PER_TOKEN), (CLIENT_RATE_ENV, client_rate, PER_CLIENT))
    for variable, given, default in rates:
        if given is not None:
            os.environ[variable] = str(given)  # each worker process reads it
        limit_from_environment(variable, default)  # a bad variable stops here, before any worker starts
    if demo:
        if db is not None or workers != 1 or oidc is not None:
            raise click.UsageError("--demo makes its own ledger in one process: no --db, --workers, --oidc")
        from govbiz_api.workbench.cli import demo_command

        ctx.invoke(demo_command, host=host, port=port, keep=None)
        return
    url = db or os.environ.get(govbiz.URL_ENV) or govbiz.DEFAULT_URL
    open_existing(url).close()  # a typo in --db stops here, before any worker starts
    os.environ[govbiz.URL_ENV] = url  # each worker process opens the ledger from it
    if oidc is not None:
        from pathlib import Path

        from govbiz_api.oidc import OIDC_ENV, OidcSettings
        from govbiz_api.workbench.oidc_signin import WorkbenchOidc

        OidcSettings.from_toml(Path(oidc))  # a broken file stops here too
        WorkbenchOidc.from_toml(Path(oidc))
        os.environ[OIDC_ENV] = str(Path(oidc).resolve())
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler it found:
    # this one makes that a clean exit 0 (as `govbiz worker`'s), not death by the signal, so a
    # supervisor tells a stop from a crash.  Before uvicorn starts, it stops at once, with 0 too.
    if workers > 1:  # the processes count each token's requests together (govbiz_api.limits)
        os.environ.setdefault(SHARED_LIMITS_ENV, "1")
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_level=log_level)


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


@click.group("token")
def token_command() -> None:
    """API tokens (接口令牌): create, list, revoke. Only a salted hash of each token is stored."""


@token_command.command("create")
@click.option("--actor-id", required=True, help="The caller's user id, recorded in every event it causes.")
@click.option("--role", type=click.Choice(_ROLES), required=True, help="The actor's role.")
@county_type(required=True, help="Division code (行政区划代码) the actor acts for.")
@click.option("--department", default=None, help="The department code (a department_handler needs one).")
@click.option("--enterprise", default=None, help="The enterprise id (an enterprise_contact needs one).")
@click.option("--expires", "days", type=click.IntRange(1, 3650), default=None, help="Valid for DAYS days.")
@db_option
@json_option
@govbiz_errors
def create_command(
    *,
    actor_id: str, role: str, county: str, department: str | None, enterprise: str | None,
    days: int | None, db: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Issue a token acting as one actor; the token is printed once and cannot be shown again."""
    from govbiz.cli.report import resolve_county
    from govbiz.domain.actors import Actor

    actor = Actor(id=actor_id, role=role, county=county, department=department, enterprise=enterprise)
    with open_existing(db) as ledger:
        resolve_county(ledger, county)  # a token for a division the ledger does not know is a typo
        store = _tokens(ledger)
        now = ledger.clock.now()
        issued = store.create(actor, now=now, expires_in=timedelta(days=days) if days else None)
    if as_json:
        echo_json({"token": issued.text, **issued.token.as_json(now)})
        return
    click.echo(issued.text)
    click.echo(f"token {issued.token.id} for {actor.describe()}: shown once, keep it now", err=True)


@token_command.command("list")
@db_option
@json_option
@govbiz_errors
def list_command(db: str | None, as_json: bool) -> None:
    """Every token with whom it stands for and whether it is active, revoked or expired."""
    with open_existing(db) as ledger:
        now = ledger.clock.now()
        tokens = _tokens(ledger).list()
    if as_json:
        echo_json([t.as_json(now) for t in tokens])
        return
    _table(tokens, now)


@token_command.command("revoke")
@click.argument("token_id")
@db_option
@json_option
@govbiz_errors
def revoke_command(token_id: str, db: str | None, as_json: bool) -> None:
    """Revoke TOKEN_ID (吊销): every later request with it is refused (401)."""
    with open_existing(db) as ledger:
        now = ledger.clock.now()
        token = _tokens(ledger).revoke(token_id, now=now)
    if as_json:
        echo_json(token.as_json(now))
        return
    click.echo(f"revoked {token.id} ({token.actor.describe()})")


def _tokens(ledger: Ledger) -> TokenStore:
    from govbiz_api.tables import ApiDatabase
    from govbiz_api.tokens import TokenStore

    return TokenStore(ApiDatabase(ledger.store))


def _table(tokens: list[ApiToken], now: datetime) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "actor", "role", "county", "department/enterprise", "expires", "status")
    for t in tokens:
        a = t.actor
        expires = t.expires_at.strftime("%Y-%m-%d %H:%M") if t.expires_at else "never"
        scope = a.department or a.enterprise or ""
        table.add_row(t.id, a.id, a.role.value, a.county, scope, expires, t.status(now))
    Console().print(table)
