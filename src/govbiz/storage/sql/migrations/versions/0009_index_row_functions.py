"""Index rows deleted through functions on PostgreSQL (索引行删除函数): no county role needs DELETE.

A county's own role (`govbiz db rls grant`) used to hold table-level UPDATE
and DELETE on the ledger's tables, which is what PostgreSQL asks for
``LOCK TABLE … IN SHARE MODE`` and stronger: that role could lock a whole
table and stall every county's commits.  Column-level UPDATE is enough for
the store's updates, but DELETE has no column form, and a commit deletes a
problem's stale department and clock rows.  So on PostgreSQL those rows are
deleted by two functions that run with their owner's rights
(``SECURITY DEFINER``) and refuse unless the calling transaction has just
written the problem's own row (its ``xmin`` is the current transaction):
only a role that row security lets write that problem can pass, and the
unit of work writes the problem before its index rows.  SQLite has no roles
and keeps plain DELETE statements.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: Each index table, the function that forgets its rows and the column naming a row: a copy of
#: `govbiz.storage.sql.schema.INDEX_ROW_FUNCTIONS` as it was at this revision (a migration keeps its meaning).
FUNCTIONS = {
    "problem_clocks": ("govbiz_forget_clocks", "clock"),
    "problem_departments": ("govbiz_forget_departments", "department"),
}

_BODY = """
CREATE OR REPLACE FUNCTION {function}(problem text, names text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM problems p WHERE p.id = problem AND p.xmin = pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION 'govbiz: the {table} rows of problem % are changed only in the transaction '
            'that writes the problem', problem USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM {table} r WHERE r.problem_id = problem AND (names IS NULL OR r.{column} = ANY (names));
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (function, column) in FUNCTIONS.items():
        op.execute(_BODY.format(function=function, table=table, column=column))
        # Granted to county roles by `govbiz db rls grant`; the owner may always call it.
        op.execute(f"REVOKE ALL ON FUNCTION {function}(text, text[]) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function, _ in FUNCTIONS.values():
        op.execute(f"DROP FUNCTION IF EXISTS {function}(text, text[])")
