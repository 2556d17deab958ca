"""The insider attacks (`govbiz.testing.tampering`) on PostgreSQL: each edit made with SQL is found."""

from __future__ import annotations

import pytest
from govbiz_postgres.store import PostgresStore

from govbiz.storage.sql.store import SQLStore
from govbiz.testing.tampering import TamperingContract


class TestPostgresAgainstInsiders(TamperingContract):
    @pytest.fixture
    def store(self, pg_store: PostgresStore) -> SQLStore:
        return pg_store
