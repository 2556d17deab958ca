"""SQL storage (SQL 存储): one schema and one store for every SQLAlchemy dialect.

* `govbiz.storage.sql.schema`: the tables (SQLAlchemy Core `MetaData`);
* `govbiz.storage.sql.store`: `SQLStore`, units of work on an engine;
* `govbiz.storage.sql.migrate`: schema revisions and upgrades (alembic);
* `govbiz.storage.sql.sqlite`: SQLite, the embedded default (`sqlite:///path`).

A dialect plugin (PostgreSQL ...) creates its engine, calls
`migrate.prepare` in a write transaction, and returns a `SQLStore`.
Importing this package creates no engine and opens no file.
"""

from govbiz.storage.sql.store import SQLStore, SQLUnitOfWork

__all__ = ["SQLStore", "SQLUnitOfWork"]
