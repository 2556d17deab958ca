"""PostgreSQL for the plugin's tests: a server, and a fresh schema per test.

The server is `GOVBIZ_TEST_POSTGRES` (default: trust auth on 127.0.0.1:5432,
database `test`).  Unreachable, the tests skip with the reason, unless
`GOVBIZ_REQUIRE_POSTGRES=1` (CI), when they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from govbiz_postgres import open_postgres
from govbiz_postgres.store import PostgresStore
from govbiz_postgres.testing import on_unreachable, required, server_problem, server_url, temporary_schema


@pytest.fixture(autouse=True)
def contacts_in_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests exercise storage, not the contact policy: PostgreSQL refuses contacts in clear
    without a key ring (test_postgres_contacts.py checks that), so they allow it explicitly."""
    monkeypatch.setenv("GOVBIZ_CONTACTS_IN_CLEAR", "1")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The test server's URL; skips (or fails, in CI) if it does not answer."""
    url = server_url()
    problem = server_problem(url)
    decision = on_unreachable(problem, require=required())
    if decision == "fail":
        pytest.fail(f"{problem} (GOVBIZ_REQUIRE_POSTGRES=1: the server is required)")
    if decision == "skip":
        pytest.skip(f"{problem}; set GOVBIZ_REQUIRE_POSTGRES=1 to make this a failure")
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose connections use a new, empty schema, dropped after the test."""
    with temporary_schema(pg_server) as url:
        yield url


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[PostgresStore]:
    """An opened store on a fresh schema."""
    store = open_postgres(pg_url)
    yield store
    store.close()
