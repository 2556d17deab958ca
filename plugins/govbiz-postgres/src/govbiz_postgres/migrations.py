"""Schema revisions on PostgreSQL (数据库升级): checked on open, upgraded on command.

A county's production database is upgraded deliberately, by an operator who
has a backup, with `govbiz db upgrade --db URL`: never as a side effect of
an application process starting (several processes would race to alter
tables under live traffic).  So opening a store only *checks*:

* an empty database (no tables in the schema on the search path) is given
  the whole schema at once, built by running every migration from 0001,
  exactly the path an old database takes;
* a database at the newest revision opens;
* a database at an older revision is refused with a `StorageError` naming
  both revisions and the command to run;
* a database with tables but no govbiz revision, or a revision newer than
  this govbiz knows, is refused too.  In every refusal nothing is written.

Initialising an empty database and upgrading hold a transaction-level
advisory lock, so two processes opening one empty database, or two operators
upgrading at once, run the migrations once.  Opening a database that has
its schema takes no lock: any role may take any advisory lock, and a county's
role holding this one would otherwise stall every process that opens the
ledger.  PostgreSQL's DDL is transactional: an upgrade
that fails leaves the database at its old revision.
"""

from __future__ import annotations

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govbiz.errors import StorageError
from govbiz.storage.sql import migrate
from govbiz_postgres.store import SCHEMA_LOCK

__all__ = ["SchemaStatus", "check_schema", "schema_status", "upgrade_schema"]


@attrs.frozen(slots=True)
class SchemaStatus:
    """Where a database stands: its revision (`None` if it has none) and what is pending."""

    current: str | None
    head: str
    pending: tuple[str, ...]
    empty: bool
    foreign_tables: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        """True if the database is at the newest revision this govbiz knows."""
        return self.current == self.head


def _lock(conn: Connection) -> None:
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK)))


def schema_status(conn: Connection) -> SchemaStatus:
    """Read the revision of the database on `conn` (in the search path's first schema)."""
    tables = set(sa.inspect(conn).get_table_names())
    known = migrate.revisions()
    current = migrate.current_revision(conn) if migrate.VERSION_TABLE in tables else None
    pending = tuple(known[known.index(current) + 1 :]) if current in known else ()
    foreign = tuple(sorted(tables)) if migrate.VERSION_TABLE not in tables else ()
    return SchemaStatus(current, migrate.head(), pending, empty=not tables, foreign_tables=foreign)


def check_schema(conn: Connection, location: str, *, initialise: bool = True) -> SchemaStatus:
    """Refuse a database that is not at the newest revision; initialise an empty one.

    Call inside a write transaction.  Raises `govbiz.errors.StorageError`
    naming `location` (see the module docs for when).
    """
    status = schema_status(conn)
    if status.empty and initialise:
        _lock(conn)  # two processes opening one empty database: the second finds it built
        status = schema_status(conn)
        if status.empty:
            migrate.upgrade(conn)
            return schema_status(conn)
    _refuse_unusable(status, location)
    if not status.up_to_date:
        raise StorageError(
            location,
            f"the database is at schema revision {status.current!r} but this govbiz needs "
            f"{status.head!r} (pending: {', '.join(status.pending)}); back it up and run "
            f"`govbiz db upgrade --db {location}` (govbiz never upgrades PostgreSQL on open)",
        )
    return status


def upgrade_schema(conn: Connection, location: str) -> tuple[SchemaStatus, SchemaStatus]:
    """Upgrade the database on `conn` to the newest revision; the status before and after.

    Call inside a write transaction: the upgrade commits with it or not at all.
    """
    _lock(conn)
    before = schema_status(conn)
    if not before.empty:
        _refuse_unusable(before, location)
    if not before.up_to_date:
        migrate.upgrade(conn)
    return before, schema_status(conn)


def _refuse_unusable(status: SchemaStatus, location: str) -> None:
    if status.foreign_tables:
        names = ", ".join(status.foreign_tables[:8])
        raise StorageError(
            location,
            f"not a govbiz database: it has tables ({names}) but no {migrate.VERSION_TABLE} table; "
            "use a new database or schema for govbiz",
        )
    if status.current not in migrate.revisions():
        raise StorageError(
            location,
            f"the database has schema revision {status.current!r}, newer than this govbiz knows "
            f"(up to {status.head!r}); upgrade govbiz to open it",
        )
