"""`govbiz db`: schema revisions and row-level security of a PostgreSQL ledger.

    govbiz db current --db postgresql://govbiz@db.example/ledger
    govbiz db upgrade --db postgresql://govbiz@db.example/ledger
    govbiz db rls enable --db postgresql://govbiz@db.example/ledger
    govbiz db rls grant yongding_app 430802 --db postgresql://govbiz@db.example/ledger
    govbiz db rls show --db postgresql://govbiz@db.example/ledger

`upgrade` runs the pending migrations in one transaction (all or nothing)
and prints the revisions before and after; running it again does nothing.
`rls` turns on PostgreSQL row-level security by county and grants database
roles their counties (see `govbiz_postgres.rls`); run it as the owner of
the govbiz tables.
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
    if status.foreign_tables:  # another application's database: no revision to report
        names = ", ".join(status.foreign_tables[:8])
        raise click.ClickException(
            f"not a govbiz ledger: the database has tables ({names}) but no govbiz schema revision; "
            "check --db"
        )
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


@db_command.group("rls")
def rls_group() -> None:
    """Row-level security by county (行级安全): each database role sees its counties' rows only."""


@rls_group.command("enable")
@_DB
@govbiz_errors
def rls_enable_command(db: str) -> None:
    """Create the grants table and the county policies (idempotent)."""
    from govbiz_postgres.admin import in_transaction
    from govbiz_postgres.rls import enable_row_security

    in_transaction(db, enable_row_security)
    click.echo("row-level security by county is on; grant roles their counties with `govbiz db rls grant`")


@rls_group.command("grant")
@click.argument("role")
@click.argument("counties", nargs=-1, required=True, metavar="COUNTY...")
@_DB
@govbiz_errors
def rls_grant_command(role: str, counties: tuple[str, ...], db: str) -> None:
    """Let the database role ROLE read and write the ledger of COUNTY... only."""
    from govbiz_postgres.admin import in_transaction
    from govbiz_postgres.rls import grant_counties

    in_transaction(db, lambda conn: grant_counties(conn, role, counties))
    click.echo(f"{role} may now use the ledger of {', '.join(sorted(set(counties)))}")


@rls_group.command("show")
@_DB
@govbiz_errors
def rls_show_command(db: str) -> None:
    """List every role and the counties granted to it."""
    from govbiz_postgres.admin import in_transaction
    from govbiz_postgres.rls import granted_counties

    grants = in_transaction(db, granted_counties)
    if not grants:
        click.echo("no role has been granted a county")
    for role, counties in grants.items():
        click.echo(f"{role}: {', '.join(counties)}")
