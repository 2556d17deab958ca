"""Row-level security by county (按区县的行级安全): the database itself keeps an application to its counties.

The Ledger already scopes every query to the actor's counties.  A province
platform that runs one application (or one database role) per county can
also have PostgreSQL refuse other counties' rows, whatever SQL reaches it:
a bug, a report someone wrote by hand, a leaked password.

* `enable_row_security` (``govbiz db rls enable``), run once by the
  schema's owner, creates the table ``govbiz_county_grants`` and a policy
  ``govbiz_county`` on every table that holds county rows.  A role sees and
  writes only the rows of the counties granted to it: ``problems``,
  ``problem_clocks``, ``records``, ``events`` and ``outbox`` by their
  ``county`` column, ``problem_departments`` through its problem, and
  ``counters`` by the county in their name (``problem:430802:2025``),
  ``commit_locks`` by its county (a role locks its own county's
  commit-order row only, so it cannot stall another county's writes).
  What a role writes must also sit in its county's key space: a key that
  starts like a county's (``430802``, ``430802-S0005``, an outbox key's
  ``problem:430802-2025-0001:…``) must start with the row's own county, so a
  county cannot plant rows under another county's next ids, and a refused
  insert says nothing about whether that id exists (the policy is checked
  before the unique index).
* `grant_counties` (``govbiz db rls grant ROLE COUNTY...``) lets an existing
  database role use the ledger for those counties: the grant rows and the
  privileges it needs, none of which lets it lock a whole table (UPDATE
  column by column, no DELETE or TRUNCATE: a commit deletes stale index
  rows through functions that check it wrote the problem, migration 0009).
  A role with no grant sees nothing.  Run ``govbiz db rls enable`` again
  after ``govbiz db upgrade``: granted roles get the new columns.

The schema's owner is not subject to the policies (PostgreSQL exempts table
owners unless told otherwise), so migrations, ``govbiz db upgrade`` and a
platform-wide process keep working; give county applications their own
roles.  A policy reads the role's counties once per statement (an
``ARRAY(SELECT ...)`` init plan) and compares each row's county with
them; the warning sweep and metrics over a county's own rows stay index
scans.  `benchmarks/bench_rls.py` measures the cost against the owner.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govbiz.errors import ValidationError
from govbiz.storage.sql.schema import INDEX_ROW_FUNCTIONS

__all__ = ["GRANTS", "POLICY", "enable_row_security", "grant_counties", "granted_counties"]

#: The table of (role, county) grants the policies read.
GRANTS = "govbiz_county_grants"
#: The name of the policy on every county table.
POLICY = "govbiz_county"

# = ANY (ARRAY(...)) rather than IN (...): the grants are read once per statement, not probed per row
# (server time of the sweep through a county role: 1.20x the owner's with IN, no slower with ANY).
_MINE = f"ANY (ARRAY(SELECT g.county FROM {GRANTS} g WHERE g.role_name = current_user))"

#: Each table and the condition its rows must meet for the current role.
_POLICIES = {
    "problems": f"county = {_MINE}",
    "problem_clocks": f"county = {_MINE}",
    "records": f"county = {_MINE}",
    "events": f"county = {_MINE}",
    "outbox": f"county = {_MINE}",
    # No county column: a row is visible when its problem is (the policy on problems applies here too).
    "problem_departments": "EXISTS (SELECT 1 FROM problems p WHERE p.id = problem_id)",
    "counters": f"split_part(name, ':', 2) = {_MINE}",
    # A county's commit-order row (govbiz_postgres.store.lock_counties) and its named locks
    # (`430802:import`, SQLStore.exclusive): a role locks its own county's only.
    "commit_locks": f"split_part(county, ':', 1) = {_MINE}",
    # A role may read its own grants (the policies above need to), never another role's.
    GRANTS: "role_name = current_user",
}


def _own_key(column: str) -> str:
    """`column` holds no other county's key: a key that starts like one (`430802`, `430802-S0005`,
    `430802#0001`) starts with the row's own county.  Codes that name no county (`zgj`) pass."""
    return f"(({column}) !~ '^[0-9]{{6}}([^0-9]|$)' OR left({column}, 6) = county)"


#: What a role may write, beyond the row being its county's: keys in its county's key space only, so
#: a county cannot plant a row under another county's next id (an event in its stream, its next outbox
#: key, its next session), which made that county's next command fail or its notification vanish.
_KEY_SPACE = {
    "problems": _own_key("id"),
    "problem_clocks": _own_key("problem_id"),
    "records": _own_key("key"),
    "events": _own_key("stream_id"),
    "outbox": _own_key("split_part(key, ':', 2)"),
}

#: Rows every role may read but none may write: nationwide data (holiday notices, county 000000),
#: which the schema's owner adds (`govbiz calendar add-notice` run as the owner).
_READABLE_TO_ALL = {"records": "county = '000000'"}

_WRITABLE = ("problems", "problem_clocks", "problem_departments", "records", "events", "outbox", "counters")
_READABLE = ("govbiz_schema_version", GRANTS)


def enable_row_security(conn: Connection) -> None:
    """Create the grants table and the policies, and bring granted roles' privileges up to date.

    Idempotent: running it again changes nothing, except that roles granted
    before a schema upgrade get UPDATE on the new columns and lose any
    table-level privilege an older govbiz gave them.  Run it as the owner
    of the govbiz tables, in a transaction.
    """
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {GRANTS} ("
        " role_name text NOT NULL, county varchar(200) NOT NULL, PRIMARY KEY (role_name, county))"
    )
    for table, condition in _POLICIES.items():
        readable = f"({condition}) OR {_READABLE_TO_ALL[table]}" if table in _READABLE_TO_ALL else condition
        writable = f"({condition}) AND {_KEY_SPACE[table]}" if table in _KEY_SPACE else condition
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        conn.exec_driver_sql(f"CREATE POLICY {POLICY} ON {table} USING ({readable}) WITH CHECK ({writable})")
    for role in granted_counties(conn):  # roles granted by an older govbiz lose what could lock a table
        _grant_privileges(conn, role)


def grant_counties(conn: Connection, role: str, counties: Iterable[str]) -> None:
    """Let the database role `role` read and write the ledger of `counties` only.

    Raises `govbiz.errors.ValidationError` naming the field when the role
    does not exist, no county is given, or row security is not enabled.
    """
    wanted = sorted(set(counties))
    if not wanted:
        raise ValidationError("county", "", "name at least one county to grant")
    if not conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
        raise ValidationError("role", role, "no such database role; CREATE ROLE it first")
    if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": GRANTS}).scalar() is None:
        raise ValidationError(
            "rls", "disabled", "row security is not enabled here: run `govbiz db rls enable`"
        )
    insert = sa.text(f"INSERT INTO {GRANTS} VALUES (:role, :county) ON CONFLICT DO NOTHING")
    conn.execute(insert, [{"role": role, "county": county} for county in wanted])
    _grant_privileges(conn, role)


def _grant_privileges(conn: Connection, role: str) -> None:
    """Give `role` what the store needs and nothing that could lock a whole table.

    ``LOCK TABLE`` in SHARE mode or stronger (which stops other writers)
    needs a table-level UPDATE, DELETE or TRUNCATE privilege.  So a role
    gets UPDATE on the columns one by one, no DELETE (a commit deletes
    index rows through the functions of migration 0009) and no TRUNCATE;
    what it held before, from an older govbiz, is revoked first.  SELECT and
    INSERT allow only the weak locks that never stop another county's
    writes.
    """
    quote = conn.dialect.identifier_preparer.quote
    quoted = quote(role)
    schema = quote(conn.exec_driver_sql("SELECT current_schema()").scalar_one())
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {quoted}")
    for table in (*_WRITABLE, "commit_locks"):
        columns = ", ".join(quote(column) for column in _columns(conn, table))
        conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE ({columns}) ON {table} TO {quoted}")
    conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(_READABLE)} TO {quoted}")
    for function, _ in INDEX_ROW_FUNCTIONS.values():
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {function}(text, text[]) TO {quoted}")
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}")


def _columns(conn: Connection, table: str) -> list[str]:
    """The columns of `table` as the database has them now (a later migration's too, when granted again)."""
    rows = conn.execute(
        sa.text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
            " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ),
        {"t": table},
    )
    return list(rows.scalars())


def granted_counties(conn: Connection) -> dict[str, list[str]]:
    """Every role's granted counties (as the schema's owner sees them)."""
    rows = conn.execute(sa.text(f"SELECT role_name, county FROM {GRANTS} ORDER BY role_name, county"))
    grants: dict[str, list[str]] = {}
    for role, county in rows:
        grants.setdefault(role, []).append(county)
    return grants
