"""Built-in plugin: `sqlite:` URLs open a SQLite ledger (the default store).

SQLAlchemy is imported only when a `sqlite:` URL is actually opened, so
building the plugin manager stays cheap.
"""

from __future__ import annotations

from govbiz.ports.hooks import hookimpl
from govbiz.ports.storage import Store


@hookimpl
def govbiz_storage(url: str) -> Store | None:
    """A SQLite store for `sqlite:///path.db`, `sqlite:////abs/path.db` or `sqlite://` (memory)."""
    if not url.startswith("sqlite:"):
        return None
    from govbiz.storage.sql.sqlite import open_sqlite

    return open_sqlite(url)
