"""`govbiz db`: see and upgrade the schema revision of a PostgreSQL ledger.

    govbiz db current --db postgresql://govbiz@db.example/ledger
    govbiz db upgrade --db postgresql://govbiz@db.example/ledger

`upgrade` runs the pending migrations in one transaction (all or nothing)
and prints the revisions before and after; running it again does nothing.
"""

from __future__ import annotations

import click

from govbiz.cli.options import govbiz_errors

__all__ = ["db_command"]

_DB = click.option(
    "--db",
    "db",
    metavar="URL",
    envvar="GOVBIZ_DB",
    required=True,
    help="PostgreSQL URL (postgresql://user@host/dbname); default $GOVBIZ_DB.",
)


@click.group("db")
def db_command() -> None:
    """Schema revisions of a PostgreSQL ledger (数据库升级)."""


@db_command.command("current")
@_DB
@govbiz_errors
def current_command(db: str) -> None:
    """Print the database's schema revision and what is pending."""
    from govbiz_postgres.admin import status_of

    status = status_of(db)
    if status.empty:
        click.echo(f"empty database: `govbiz db upgrade` or the first open creates revision {status.head}")
        return
    state = "up to date" if status.up_to_date else f"pending: {', '.join(status.pending)}"
    click.echo(f"revision {status.current} (newest {status.head}; {state})")


@db_command.command("upgrade")
@_DB
@govbiz_errors
def upgrade_command(db: str) -> None:
    """Upgrade the database to the newest schema revision (back it up first)."""
    from govbiz_postgres.admin import upgrade

    before, after = upgrade(db)
    if before.current == after.current:
        click.echo(f"already at revision {after.current}; nothing to do")
    else:
        click.echo(f"upgraded from {before.current or 'an empty database'} to revision {after.current}")
