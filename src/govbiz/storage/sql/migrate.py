"""Schema versions and upgrades (数据库升级), with alembic run from code.

Every govbiz database records its schema revision in the table
`govbiz_schema_version` (alembic's version table under a name no host
application's own alembic will collide with).  `prepare` is called each
time a store is opened, inside one write transaction:

* an empty database gets the whole schema, built by running every
  migration from the first (so the path an old county database takes is the
  path every test database takes too);
* a govbiz database at an older revision is upgraded to the newest;
* a database at a revision this govbiz does not know (written by a newer
  govbiz) is refused, as is a database with tables but no govbiz revision
  (some other application's): `govbiz.errors.StorageError`, and nothing
  is written.

Upgrades are forward only; `downgrade` functions exist for development.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from govbiz.errors import StorageError

__all__ = ["VERSION_TABLE", "current_revision", "head", "prepare", "revisions", "upgrade"]

#: Where a database records its govbiz schema revision.
VERSION_TABLE = "govbiz_schema_version"
_SCRIPTS = "govbiz.storage.sql:migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPTS)
    config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest schema revision this govbiz knows (e.g. `"0003"`)."""
    heads = _scripts().get_heads()
    if len(heads) != 1:  # a merge was forgotten: refuse rather than guess the order
        raise RuntimeError(f"govbiz migrations have {len(heads)} heads: {heads}")
    return heads[0]


def revisions() -> list[str]:
    """Every known revision, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, or `None` if it has none."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(connection: Connection, target: str = "head") -> None:
    """Run the migrations up to `target` on `connection` (in its transaction)."""
    command.upgrade(_config(connection), target)


def prepare(connection: Connection, location: str) -> None:
    """Check the database on `connection` and bring it to the newest revision.

    Call inside a write transaction, so that two processes opening one new
    database do not both create the schema.  Raises
    `govbiz.errors.StorageError` naming `location` for a foreign
    database or one written by a newer govbiz.
    """
    tables = set(sa.inspect(connection).get_table_names())
    if VERSION_TABLE not in tables:
        if tables:
            names = ", ".join(sorted(tables)[:8])
            raise StorageError(
                location,
                f"not a govbiz database: it has tables ({names}) but no {VERSION_TABLE} table; "
                "use a new file or database for govbiz",
            )
        upgrade(connection)
        return
    revision = current_revision(connection)
    known = revisions()
    if revision not in known:
        raise StorageError(
            location,
            f"the database has schema revision {revision!r}, newer than this govbiz knows "
            f"(up to {head()!r}); upgrade govbiz to open it",
        )
    if revision != head():
        upgrade(connection)
