"""Storage tests' shared fixture: a SQLite ledger in a file of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.storage.sql.store import SQLStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLStore]:
    """A new SQLite ledger file, closed afterwards (a test module may define its own `store`)."""
    opened = open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield opened
    opened.close()
