"""Operator actions on a PostgreSQL ledger (used by `govbiz db`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govbiz.errors import StorageError
from govbiz_postgres.migrations import SchemaStatus, schema_status, upgrade_schema
from govbiz_postgres.store import postgres_engine
from govbiz_postgres.url import parse_postgres_url

__all__ = ["in_transaction", "status_of", "upgrade"]

T = TypeVar("T")


def status_of(url: str) -> SchemaStatus:
    """The schema revision of the database at `url`; writes nothing."""
    return _with_connection(url, schema_status)


def upgrade(url: str) -> tuple[SchemaStatus, SchemaStatus]:
    """Upgrade the database at `url` to the newest revision; the status before and after."""
    name = parse_postgres_url(url).name
    return _with_connection(url, lambda conn: upgrade_schema(conn, name))


def in_transaction(url: str, action: Callable[[Connection], T]) -> T:
    """Run `action` on the database at `url` in one transaction; errors name the database."""
    return _with_connection(url, action)


def _with_connection(url: str, action: Callable[[Connection], T]) -> T:
    location = parse_postgres_url(url)
    engine = postgres_engine(location, pool_size=1)
    try:
        with engine.begin() as conn:
            return action(conn)
    except sa.exc.DBAPIError as error:
        raise StorageError(location.name, f"cannot use the database: {error.orig}") from error
    finally:
        engine.dispose()
