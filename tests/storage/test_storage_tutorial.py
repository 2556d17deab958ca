"""The storage-plugin tutorial's own code passes the whole storage contract.

The classes are taken from docs/tutorials/storage-plugin.md itself (its
first python block), so the tutorial cannot drift from what is tested.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from govbiz.ports.storage import Store
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.testing.contract import StorageContract

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "storage-plugin.md"


def tutorial_namespace() -> dict[str, Any]:
    first_block = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)[0]
    namespace: dict[str, Any] = {"__name__": "storage_tutorial"}
    exec(compile(first_block, str(PAGE), "exec"), namespace)
    return namespace


TimedStore = tutorial_namespace()["TimedStore"]


class TestTheTutorialsTimedStore(StorageContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Store:
        timed: Store = TimedStore(open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}"))
        return timed


def test_the_timed_store_records_one_timing_per_commit(tmp_path: Path) -> None:
    store = TimedStore(open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}"))
    with store.unit_of_work() as uow:
        uow.commit()
    with store.unit_of_work() as uow:
        uow.commit()
    assert len(store.timings) == 2
    assert all(t >= 0 for t in store.timings)
