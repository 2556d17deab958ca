"""Test support: find the PostgreSQL server, and give each test run its own schema.

On a laptop without PostgreSQL the plugin's tests skip with a message; in CI
(`GOVBIZ_REQUIRE_POSTGRES=1`, set by `.ci/run`) an unreachable server fails
them instead, so a broken server can never turn the suite silently green.
"""

from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

import sqlalchemy as sa

__all__ = [
    "DEFAULT_SERVER",
    "REQUIRE_ENV",
    "SERVER_ENV",
    "as_role",
    "login_role",
    "on_unreachable",
    "schema_url",
    "server_problem",
    "temporary_schema",
]

#: Set to 1 to make an unreachable server a failure rather than a skip.
REQUIRE_ENV = "GOVBIZ_REQUIRE_POSTGRES"
#: The server to test against; a trust-auth local server by default.
SERVER_ENV = "GOVBIZ_TEST_POSTGRES"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def server_url(environ: Mapping[str, str] | None = None) -> str:
    """The test server's URL from `GOVBIZ_TEST_POSTGRES`, or the local default."""
    return (environ if environ is not None else os.environ).get(SERVER_ENV) or DEFAULT_SERVER


def required(environ: Mapping[str, str] | None = None) -> bool:
    """True if `GOVBIZ_REQUIRE_POSTGRES` asks for the server to be there (1, true, yes)."""
    value = (environ if environ is not None else os.environ).get(REQUIRE_ENV, "")
    return value.strip().lower() in {"1", "true", "yes"}


def on_unreachable(problem: str | None, *, require: bool) -> Literal["run", "skip", "fail"]:
    """What the tests do: run on a reachable server, else skip, or fail when it is required."""
    if problem is None:
        return "run"
    return "fail" if require else "skip"


def server_problem(url: str, *, timeout: int = 3) -> str | None:
    """Why the server at `url` cannot be used (`None` if it can): one quick connection."""
    engine = sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": timeout}
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        return f"PostgreSQL at {url} is unreachable: {str(error.orig).strip()}"
    finally:
        engine.dispose()
    return None


def schema_url(url: str, schema: str) -> str:
    """`url` with every connection's search path set to `schema`."""
    parsed = sa.make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@contextmanager
def temporary_schema(url: str, prefix: str = "govbiz_test") -> Iterator[str]:
    """Create a fresh schema on the server at `url`; yield a URL using it; drop it after."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        yield schema_url(url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def login_role(url: str, prefix: str = "govbiz_rls") -> Iterator[str]:
    """Create a new login role on the server at `url`; yield its name; drop it and its grants after.

    For row-level security tests: grant it counties (`govbiz_postgres.rls`),
    then connect through `as_role`.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN")
        yield name
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {name}")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        engine.dispose()


def as_role(url: str, role: str) -> str:
    """`url` connecting as `role` (trust authentication, as on a test server)."""
    return sa.make_url(url).set(username=role).render_as_string(hide_password=False)


def quote_url(url: str) -> str:
    """`url` with its query percent-encoded, as a shell command line wants it."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.quote(parts.query, safe="=&")))
