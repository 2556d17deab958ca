"""SQLite, the embedded default store (嵌入式默认存储).

`open_sqlite` turns a URL into a ready `SQLiteStore` (a `govbiz.storage.sql.SQLStore`):

| URL | database |
| --- | --- |
| `sqlite:///ledger.db`, `sqlite:///data/ledger.db` | a file, relative to the current directory |
| `sqlite:////var/lib/govbiz/ledger.db` | a file, absolute path |
| `sqlite://` or `sqlite:///:memory:` | in this process's memory, gone when closed |
| `sqlite:///scratch.db?synchronous=normal` | a file whose commits are not forced to disk one by one |

`synchronous=normal` is for a ledger that may be thrown away (a replay, a
benchmark's scratch file): under write-ahead logging a commit then waits
for no `fsync`, and a power cut may lose the last commits, never the file's
consistency.  A county's ledger keeps the default, `synchronous=full`: a
command that returned is on disk.

The file and the schema are created on first use; an older govbiz file is
upgraded.  Everything SQLite-specific lives here (the engine's settings
and `SQLITE`, the store's `govbiz.storage.sql.dialect.Dialect`), so other
databases reuse `govbiz.storage.sql.store` and `govbiz.storage.sql.schema`
untouched:

* write-ahead logging (`journal_mode=WAL`): readers never wait for the
  writer, and several processes can share the file;
* writes begin with `BEGIN IMMEDIATE`: a unit takes the write lock before
  it reads the versions it checks, so two processes never deadlock upgrading
  read locks (the cause of most `SQLITE_BUSY` errors), and a busy writer is
  waited for up to `busy_timeout` seconds;
* `foreign_keys=ON`, which SQLite leaves off by default;
* the pool hands out the connection used last, whose page cache is still
  warm.
"""

from __future__ import annotations

import sqlite3
import time
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from govbiz.errors import StorageError, ValidationError
from govbiz.ports.cipher import ClearContacts
from govbiz.storage.sql import json_text, migrate
from govbiz.storage.sql.dialect import WRITE_OPTION, GenericDialect
from govbiz.storage.sql.store import SQLStore

__all__ = ["SQLITE", "SQLiteLocation", "SQLiteStore", "open_sqlite", "parse_sqlite_url", "sqlite_engine"]

_HEADER = b"SQLite format 3\x00"
_FORMS = "sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:// (in memory)"


@attrs.frozen(slots=True)
class SQLiteLocation:
    """Where a SQLite ledger lives: a file `path`, or memory when `path` is `None`."""

    url: str
    path: Path | None
    #: `PRAGMA synchronous` for every connection: "full" (the default) or "normal".
    synchronous: str = "full"

    @property
    def name(self) -> str:
        """The file path, or `":memory:"`; used in error messages."""
        return str(self.path) if self.path is not None else ":memory:"


def parse_sqlite_url(url: str) -> SQLiteLocation:
    """Read a `sqlite:` URL; any other form raises `govbiz.errors.ValidationError` on `url`."""
    if not url.startswith("sqlite:"):
        raise ValidationError("url", url, f"not a sqlite URL; use {_FORMS}")
    if "#" in url:
        raise ValidationError("url", url, f"sqlite URLs take no fragment; use {_FORMS}")
    rest, _, query = url.removeprefix("sqlite:").partition("?")
    synchronous = _synchronous(url, query)
    if rest in {"//", "///:memory:"}:
        return SQLiteLocation(url, None, synchronous)
    if not rest.startswith("///") or rest == "///":
        raise ValidationError("url", url, f"unknown sqlite URL form; use {_FORMS}")
    return SQLiteLocation(url, Path(rest.removeprefix("///")), synchronous)


def _synchronous(url: str, query: str) -> str:
    """The one option a sqlite URL takes: `synchronous=full|normal` (default full)."""
    if not query:
        return "full"
    name, _, value = query.partition("=")
    if name != "synchronous" or value.lower() not in ("full", "normal"):
        raise ValidationError(
            "url", url, f"the only option is synchronous=full or =normal, not {query!r}; use {_FORMS}"
        )
    return value.lower()


def sqlite_engine(location: SQLiteLocation, *, busy_timeout: float = 30.0) -> Engine:
    """A SQLAlchemy engine for `location`, with govbiz's connection settings.

    Creating it touches no file: SQLite opens one on the first connection.
    """
    if location.path is None:
        # One shared connection: each new connection to ":memory:" would be a new, empty database.
        engine = sa.create_engine(
            "sqlite://",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            json_serializer=json_text.dumps,
            json_deserializer=json_text.loads,
        )
    else:
        engine = sa.create_engine(
            sa.URL.create("sqlite", database=str(location.path)),
            connect_args={"timeout": busy_timeout},
            # Hand out the connection returned last: under WAL a connection that did not
            # write the last commit finds its page cache stale and reads the pages again, so
            # first-in-first-out turns (the default) cost each command about 25 page reads.
            pool_use_lifo=True,
            json_serializer=json_text.dumps,
            json_deserializer=json_text.loads,
        )
    on_connect = partial(_on_connect, busy_ms=int(busy_timeout * 1000), synchronous=location.synchronous)
    sa.event.listen(engine, "connect", on_connect)
    sa.event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(
    dbapi_connection: Any, record: ConnectionPoolEntry, *, busy_ms: int, synchronous: str = "full"
) -> None:
    # pysqlite begins transactions on its own, late and never IMMEDIATE; take control.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")  # checked by parse_sqlite_url
    cursor.close()


def _on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


#: How a `SQLStore` runs on SQLite.  pysqlite's own transaction handling is off (see
#: `_on_connect`), so a unit's commit begins its write transaction itself with
#: ``BEGIN IMMEDIATE`` on the driver connection, without a round through SQLAlchemy's
#: transaction events.  A SQLite connection is a file handle, never dropped by a server or
#: a firewall: a unit's connection is kept for the next
#: (`govbiz.storage.sql.connections.Connections.release`).  One writer at a time hands out
#: event positions in commit order, so nothing precedes the events' insert.
SQLITE = GenericDialect(name="sqlite", begin="BEGIN IMMEDIATE", keep_connection=True)


class SQLiteStore(SQLStore):
    """A `SQLStore` on SQLite (dialect `SQLITE`); open one with `open_sqlite`.

    Contacts without a key ring are kept in clear with a warning: the embedded
    default is a file on one clerk's machine, for trying govbiz out and for
    small counties; configure a key ring to encrypt them.
    """

    clear_contacts: ClearContacts = ClearContacts.WARN

    def __init__(self, engine: Engine, *, location: str | None = None, serialize: bool = False) -> None:
        super().__init__(engine, dialect=SQLITE, location=location, serialize=serialize)


def open_sqlite(url: str, *, busy_timeout: float = 30.0) -> SQLiteStore:
    """Open (creating or upgrading as needed) the SQLite ledger at `url`.

    Raises `govbiz.errors.ValidationError` (field `url`) for an unknown
    URL form or a directory that does not exist, and
    `govbiz.errors.StorageError` for a file that is not a SQLite database,
    a database of another application, or one written by a newer govbiz.
    In every case nothing is written.
    """
    location = parse_sqlite_url(url)
    if location.path is not None:
        _check_file(location, location.path)
    engine = sqlite_engine(location, busy_timeout=busy_timeout)
    store = SQLiteStore(engine, location=location.name, serialize=location.path is None)
    try:
        with store.writing() as conn:
            migrate.prepare(conn, location.name)
        if location.path is not None:
            _use_wal(engine, busy_timeout)
    except sa.exc.DatabaseError as error:
        engine.dispose()
        raise StorageError(location.name, f"not a usable SQLite database: {error.orig}") from error
    except BaseException:
        engine.dispose()
        raise
    return store


def _check_file(location: SQLiteLocation, path: Path) -> None:
    """Refuse what SQLite would fail on later, before anything touches the file."""
    directory = path.parent
    if not directory.is_dir():
        raise ValidationError(
            "url", location.url, f"directory {directory} does not exist; create it first (govbiz will not)"
        )
    if path.is_dir():
        raise ValidationError("url", location.url, f"{path} is a directory, not a database file")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as file:
            header = file.read(len(_HEADER))
        if header != _HEADER:
            raise StorageError(
                str(path), "not a SQLite database (the file header is wrong): corrupt or foreign"
            )


def _use_wal(engine: Engine, busy_timeout: float) -> None:
    # journal_mode cannot change inside a transaction, and SQLAlchemy's
    # Connection always begins one: use the driver connection directly.
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        mode = _switch_to_wal(driver, time.monotonic() + busy_timeout)
        if mode is None or str(mode[0]).lower() != "wal":
            raise StorageError(str(engine.url.database), f"cannot switch to WAL journal mode (got {mode})")
    finally:
        raw.close()


def _switch_to_wal(driver: sqlite3.Connection, deadline: float) -> Any:
    """`PRAGMA journal_mode=WAL`, retried while another process holds the file.

    The switch needs the file to itself, and SQLite refuses it at once (no
    busy handler) while a second process opening a new ledger at the same
    moment holds a lock; that process is done within milliseconds.
    """
    while True:
        try:
            return driver.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
