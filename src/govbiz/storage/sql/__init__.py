"""SQL storage (SQL 存储): one schema and one store for every SQLAlchemy dialect.

* `govbiz.storage.sql.schema`: the tables (SQLAlchemy Core `MetaData`);
* `govbiz.storage.sql.store`: `SQLStore`, units of work on an engine, put
  together from `dialect`, `connections`, `unit_of_work`, `statements`,
  `driver`, `rows`, `queries`, `caches` and `outbox`;
* `govbiz.storage.sql.migrate`: schema revisions and upgrades (alembic);
* `govbiz.storage.sql.sqlite`: SQLite, the embedded default (`sqlite:///path`).

A store plugin for another database (PostgreSQL ...) creates its engine,
gives the store its `govbiz.storage.sql.dialect.Dialect`, calls
`migrate.prepare` (or checks the revision) in a write transaction, and
returns the `SQLStore`.
Importing this package creates no engine and opens no file.
"""

from govbiz.storage.sql.store import SQLStore, SQLUnitOfWork

__all__ = ["SQLStore", "SQLUnitOfWork"]
