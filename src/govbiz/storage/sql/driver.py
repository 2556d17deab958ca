"""A command's statements compiled once and run on the driver's own cursor.

SQLAlchemy Core defines every statement (one schema for every dialect), but
its execution layer (events, result objects, per-call parameter processing)
cost about 0.1 ms per statement here: more than SQLite took to run most of
them, and a fifth of a command on PostgreSQL.  The few statements every
command runs (read a problem, update it, its index rows, the event, the
outbox rows) are therefore compiled once per dialect into a
`DriverStatement`: the SQL text, the parameter order and the type
processors SQLAlchemy would apply (UTC datetimes, JSON), and then run on the
DB-API cursor of the same pooled connection and transaction.  Driver errors
become the `sqlalchemy.exc` errors the rest of the store already handles.

A `StatementRunner` runs a unit's writes.  This one runs each at once; a
dialect may queue them instead (`govbiz_postgres` sends a commit's writes
in one pipeline) and check each write's expected row count before the
transaction commits.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

__all__ = ["DriverStatement", "StatementCache", "StatementRunner", "first_row", "scalar", "translated"]

Parameters = tuple[Any, ...] | dict[str, Any]


@attrs.frozen(slots=True)
class DriverStatement:
    """A Core statement compiled for one dialect, ready for a DB-API cursor.

    `sql` is the compiled text; `names` the bound parameters in the order the
    driver wants them (positional paramstyles) or their names (named ones);
    `processors` what SQLAlchemy would do to each value before binding it
    (for instance a UTC datetime to text on SQLite, a dict to JSON).
    """

    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...] = ()  # each selected column's result processor
    defaults: tuple[tuple[str, Any], ...] = ()  # values the statement carries itself (literals)
    # `parameters`, specialised once for this statement: it runs for every row of every command.
    _build: Callable[[Mapping[str, Any]], Parameters] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(lambda self: _builder(self), takes_self=True),  # noqa: PLW0108 (defined below)
    )

    @classmethod
    def compile(
        cls, statement: sa.Executable, dialect: Dialect, column_keys: Sequence[str] = ()
    ) -> DriverStatement:
        """Compile `statement`; `column_keys` are the columns an INSERT or UPDATE sets."""
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys))  # type: ignore[attr-defined]
        binds: dict[str, sa.BindParameter[Any]] = compiled.binds
        names = tuple(compiled.positiontup) if compiled.positional else tuple(binds)
        defaults = tuple((name, binds[name].effective_value) for name in names if not binds[name].required)
        processors = []
        for name in names:
            process = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((name, process))
        columns = getattr(statement, "exported_columns", ())  # a SELECT's columns, or what RETURNING gives
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        return cls(str(compiled), names, compiled.positional, tuple(processors), results, defaults)

    def parameters(self, values: Mapping[str, Any]) -> Parameters:
        """`values` (by parameter name) as the driver takes them."""
        return self._build(values)


def _builder(statement: DriverStatement) -> Callable[[Mapping[str, Any]], Parameters]:
    """`statement.parameters`: the defaults merged under `values`, the processors applied, in order.

    A positional statement picks its values with one `operator.itemgetter`
    and processes them by position (a parameter named twice is processed at
    each place, to the same value), rather than copying the mapping.
    """
    fixed = dict(statement.defaults)
    processors = statement.processors
    if not statement.positional:

        def named(values: Mapping[str, Any]) -> Parameters:
            if fixed:
                values = {**fixed, **values}
            if processors:
                values = dict(values)
                for name, process in processors:
                    values[name] = process(values[name])
            return values if isinstance(values, dict) else dict(values)

        return named
    names = statement.names
    by_name = dict(processors)
    positions = tuple((n, by_name[name]) for n, name in enumerate(names) if name in by_name)
    if not names:
        return lambda values: ()
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    if len(names) == 1:
        only = names[0]
        pick = lambda values: (values[only],)  # noqa: E731 (itemgetter of one name gives no tuple)
    else:
        pick = operator.itemgetter(*names)

    def positional(values: Mapping[str, Any]) -> Parameters:
        if fixed:
            values = {**fixed, **values}
        row = pick(values)
        if not positions:
            return row
        processed = list(row)
        for n, process in positions:
            processed[n] = process(processed[n])
        return tuple(processed)

    return positional


class StatementCache:
    """The `DriverStatement`s of one dialect, compiled on first use."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[tuple[Hashable, tuple[str, ...]], DriverStatement] = {}

    def get(self, statement: sa.Executable, column_keys: Sequence[str] = ()) -> DriverStatement:
        """`statement` compiled for this dialect (statements are keyed by identity: build them once)."""
        key = (statement, tuple(column_keys))
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = DriverStatement.compile(statement, self.dialect, column_keys)
        return found


def translated(conn: Connection, error: Any, sql: str, parameters: Any) -> sa.exc.StatementError:
    """The `sqlalchemy.exc` error SQLAlchemy itself would raise for a driver's `error`.

    A lost connection is invalidated, as SQLAlchemy does, so the pool never
    hands it out again.  (A function called in ``except``, not a context
    manager: it sits on every statement of every command.)
    """
    if conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, None):
        conn.invalidate(error)
    dialect = conn.dialect
    base: type[Exception] = dialect.loaded_dbapi.Error
    found: sa.exc.StatementError = sa.exc.DBAPIError.instance(sql, parameters, error, base, dialect=dialect)
    return found


def first_row(
    conn: Connection, statement: DriverStatement, values: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """The first row of a read, its values processed as Core would, or `None`.

    No transaction is begun for it: on a connection in autocommit a single
    SELECT is its own consistent snapshot.
    """
    parameters = statement.parameters(values)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(statement.sql, parameters)
        row = cursor.fetchone()
    except conn.dialect.loaded_dbapi.Error as error:
        raise translated(conn, error, statement.sql, parameters) from error
    finally:
        cursor.close()
    if row is None:
        return None
    return tuple([v if p is None else p(v) for v, p in zip(row, statement.results, strict=True)])


def scalar(conn: Connection, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
    """The first column of the first row of a read, or `None` (see `first_row`)."""
    row = first_row(conn, statement, values)
    return None if row is None else row[0]


@functools.cache
def _bare(sql: str) -> DriverStatement:
    """A statement without parameters, such as ``BEGIN IMMEDIATE`` (built once, not per command)."""
    return DriverStatement(sql, (), positional=True, processors=())


class StatementRunner:
    """Runs a unit's writes in its transaction, each as it comes.

    `expect_one` names what to do when a write changed no row (someone
    else's version won); `flush` runs anything still queued and makes those
    checks.  Its writes are committed or rolled back with the connection's
    transaction, which the runner leaves alone.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cursor = conn.connection.cursor()
        self._driver_error: type[Exception] = conn.dialect.loaded_dbapi.Error

    def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> None:
        """Run one write."""
        self._run(statement, values)

    def executemany(self, statement: DriverStatement, rows: Iterable[Mapping[str, Any]]) -> None:
        """Run one write for each of `rows`."""
        parameters: Any = [statement.parameters(row) for row in rows]
        if len(parameters) == 1:  # the usual case, and a driver's executemany costs more than execute
            self.send(statement.sql, parameters[0])
            return
        try:
            self._cursor.executemany(statement.sql, parameters)
        except self._driver_error as error:
            raise self.failed(error, statement.sql, parameters) from error

    def expect_one(
        self, statement: DriverStatement, values: Mapping[str, Any], otherwise: Callable[[], None]
    ) -> None:
        """Run a write that must change exactly one row; `otherwise` raises when it did not."""
        if self._run(statement, values) != 1:
            otherwise()

    def scalar(self, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
        """A read in this transaction, after the writes before it."""
        self.flush()
        return scalar(self.conn, statement, values)

    def flush(self) -> None:
        """Run what is queued and check it (nothing is queued here)."""

    def begin(self, sql: str) -> None:
        """Begin the transaction with `sql` (e.g. ``BEGIN IMMEDIATE``) on a connection in autocommit."""
        self.execute(_bare(sql), {})

    def commit(self) -> None:
        """Flush, then commit the transaction `begin` began."""
        self.flush()
        try:
            self.conn.connection.commit()
        except self._driver_error as error:
            raise self.failed(error, "COMMIT", None) from error

    def rollback(self) -> None:
        """Roll back whatever this transaction wrote; a connection that cannot is discarded.

        Called while another error propagates: that error is the one to
        report, so a failure here only invalidates the connection.
        """
        try:
            self.conn.connection.rollback()
        except self.conn.dialect.loaded_dbapi.Error as error:
            self.conn.invalidate(error)

    def close(self) -> None:
        """Release the cursor."""
        self._cursor.close()

    def failed(self, error: Exception, sql: str, parameters: Any) -> Exception:
        """The error to raise for a driver's `error` (a subclass may recognise errors of its own)."""
        return translated(self.conn, error, sql, parameters)

    def send(self, sql: str, parameters: Any, cursor: Any = None) -> int:
        """Run `sql` with `parameters` as the driver takes them; the number of rows it changed.

        On this runner's cursor, or on `cursor` (one of the same connection's,
        e.g. to keep a statement's answer apart); a driver error becomes
        what `failed` makes of it.  For a runner that changes how writes go
        out (`govbiz_postgres.pipeline.PipelinedRunner`).
        """
        cursor = cursor or self._cursor
        try:
            cursor.execute(sql, parameters)
        except self._driver_error as error:
            raise self.failed(error, sql, parameters) from error
        return int(cursor.rowcount)

    def _run(self, statement: DriverStatement, values: Mapping[str, Any]) -> int:
        return self.send(statement.sql, statement.parameters(values))
