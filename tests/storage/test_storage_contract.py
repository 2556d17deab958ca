"""The storage contract, run against every built-in adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govbiz.ports.storage import Store
from govbiz.storage import MemoryStore
from govbiz.storage.sql.sqlite import open_sqlite
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
