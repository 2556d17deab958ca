"""The insider attacks (`govbiz.testing.tampering`) on SQLite: each edit made with SQL is found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SQLStore
from govbiz.testing.tampering import TamperingContract


class TestSQLiteAgainstInsiders(TamperingContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SQLStore]:
        store = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
        yield store
        store.close()
