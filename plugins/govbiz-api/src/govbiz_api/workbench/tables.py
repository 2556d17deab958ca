"""The workbench's own tables (工作台用户与登录会话), kept beside the API's in the ledger's database.

Like the API's tokens (`govbiz_api.tables`), users and sign-in sessions must
hold across every `govbiz serve` process on one database, so they live where
the ledger lives and are created on first use (`CREATE TABLE IF NOT EXISTS`):
no migration of the ledger's schema, and a ledger without the workbench has
none.  Instants are ISO 8601 text in UTC (`govbiz_api.tables.instant_text`).
"""

from __future__ import annotations

import sqlalchemy as sa

from govbiz_api.tables import ApiDatabase

__all__ = ["METADATA", "SESSIONS", "USERS", "create_tables"]

METADATA = sa.MetaData()

#: Who may sign in (工作台用户): a login, the `Actor` it acts as, and only an Argon2id hash.
USERS = sa.Table(
    "govbiz_workbench_users",
    METADATA,
    sa.Column("login", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("county", sa.String(6), nullable=False),
    sa.Column("department", sa.String(100), nullable=True),
    sa.Column("enterprise", sa.String(100), nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("disabled_at", sa.String(40), nullable=True),
)

#: Signed-in browsers (登录会话): the SHA-256 of the cookie's secret, never the secret itself.
SESSIONS = sa.Table(
    "govbiz_workbench_sessions",
    METADATA,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("login", sa.String(100), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("seen_at", sa.String(40), nullable=False),
)


def create_tables(database: ApiDatabase) -> None:
    """Create the workbench's tables in `database` if they are not there yet."""
    database.create(METADATA)
