"""govbiz on PostgreSQL (PostgreSQL 存储插件).

Installed, it answers `postgresql://` and `postgresql+psycopg://` URLs
(`govbiz.open("postgresql://govbiz@db/ledger")`) and adds the `govbiz db`
command (`current`, `upgrade`, `rls`).  Nothing connects at import: the
driver and engine load when a URL is opened.

* `govbiz_postgres.open_postgres`: the opener (checks the schema revision);
* `govbiz_postgres.metrics.PostgresMetricSource`: metrics counted in SQL;
* `govbiz_postgres.bulk.BulkStore`: many commands per transaction, for
  imports and benchmarks;
* `govbiz_postgres.rls`: optional row-level security per county.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from govbiz.ports.hooks import hookimpl

if TYPE_CHECKING:
    import click

    from govbiz.ports.storage import Store
    from govbiz_postgres.store import PostgresStore

__all__ = ["govbiz_register_commands", "govbiz_storage", "open_postgres"]


def open_postgres(url: str, *, pool_size: int = 5) -> PostgresStore:
    """Open the ledger at a PostgreSQL `url` (see `govbiz_postgres.opener.open_postgres`)."""
    from govbiz_postgres.opener import open_postgres as opener

    return opener(url, pool_size=pool_size)


@hookimpl
def govbiz_storage(url: str) -> Store | None:
    """A PostgreSQL store for `postgresql://...` URLs; `None` for other schemes."""
    from govbiz_postgres.url import handles

    return open_postgres(url) if handles(url) else None


@hookimpl
def govbiz_register_commands() -> Iterable[click.Command]:
    """`govbiz db` (schema revision and upgrade)."""
    from govbiz_postgres.cli import db_command

    return [db_command]
