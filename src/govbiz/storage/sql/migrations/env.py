"""alembic environment for govbiz's schema; run through `govbiz.storage.sql.migrate` only.

The caller passes an open connection (already in its transaction) in
``config.attributes["connection"]``, so the migration and the checks around
it are one transaction, and in-memory databases can be migrated too.
"""

from __future__ import annotations

from alembic import context

from govbiz.storage.sql.migrate import VERSION_TABLE
from govbiz.storage.sql.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("govbiz migrations run through govbiz.storage.sql.migrate.upgrade(connection)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
