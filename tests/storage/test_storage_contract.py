"""The storage contract, run against every built-in adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govbiz.ports.storage import Store
from govbiz.storage import MemoryStore
from govbiz.storage.sql import migrate
from govbiz.storage.sql.sqlite import open_sqlite, parse_sqlite_url, sqlite_engine
from govbiz.storage.sql.store import SQLStore
from govbiz.testing.contract import StorageContract


class TestMemoryStore(StorageContract):
    @pytest.fixture
    def store(self) -> Store:
        return MemoryStore()


class TestSQLiteFile(StorageContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
        yield store
        store.close()


class TestSQLiteInMemory(StorageContract):
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        store = open_sqlite("sqlite://")
        yield store
        store.close()


class TestSQLiteWithTheGenericDialect(StorageContract):
    """The SQL store with no dialect of its own (`GENERIC`: SQLAlchemy's transactions), on a SQLite file."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        location = parse_sqlite_url(f"sqlite:///{tmp_path / 'ledger.db'}")
        store = SQLStore(sqlite_engine(location), location=location.name)
        with store.writing() as conn:
            migrate.prepare(conn, location.name)
        yield store
        store.close()
