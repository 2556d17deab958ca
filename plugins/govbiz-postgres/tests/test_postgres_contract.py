"""The storage contract, unchanged, on PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import pytest
from govbiz_postgres.store import PostgresStore

from govbiz.ports.storage import Store
from govbiz.testing.contract import StorageContract


class TestPostgresStore(StorageContract):
    @pytest.fixture
    def store(self, pg_store: PostgresStore) -> Store:
        return pg_store
