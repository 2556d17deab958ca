"""Opening a PostgreSQL ledger: `open_postgres(url)`."""

from __future__ import annotations

import sqlalchemy as sa

from govbiz.errors import StorageError
from govbiz_postgres.migrations import check_schema
from govbiz_postgres.store import PostgresStore, postgres_engine
from govbiz_postgres.url import parse_postgres_url

__all__ = ["open_postgres"]


def open_postgres(url: str, *, pool_size: int = 5) -> PostgresStore:
    """Open the govbiz ledger in the PostgreSQL database at `url`.

    An empty database (or schema) is given the govbiz schema; one at an
    older revision is refused until `govbiz db upgrade` has run.  Raises
    `govbiz.errors.ValidationError` (field `url`) for a URL govbiz cannot
    use and `govbiz.errors.StorageError` for an unreachable server, a
    foreign database or one at another revision; nothing is written then.
    """
    location = parse_postgres_url(url)
    engine = postgres_engine(location, pool_size=pool_size, autocommit=True)
    store = PostgresStore(engine, location=location.name)
    try:
        with store.writing() as conn:
            check_schema(conn, location.name)
    except sa.exc.DBAPIError as error:
        engine.dispose()
        raise StorageError(location.name, f"cannot use the database: {error.orig}") from error
    except BaseException:
        engine.dispose()
        raise
    return store
