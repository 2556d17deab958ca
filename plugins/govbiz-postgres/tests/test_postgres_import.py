"""Two imports of one ledger file at once on PostgreSQL register nothing twice (an advisory lock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from govbiz_postgres import open_postgres
from govbiz_xlsx.reading import read_workbook

from govbiz.ledger import Ledger
from tests.reports.county_ledgers import county_workbook
from tests.reports.test_county_ledgers import COLLECTOR, _setup, import_twice_at_once


@pytest.fixture
def opened(pg_url: str) -> Iterator[list[Ledger]]:
    ledgers: list[Ledger] = []
    yield ledgers
    for ledger in ledgers:
        ledger.store.close()


def test_two_imports_at_once_register_nothing_twice(
    pg_url: str, opened: list[Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    def open_ledger() -> Ledger:
        ledger = Ledger(open_postgres(pg_url))
        opened.append(ledger)
        return ledger

    _setup(open_ledger())
    results = import_twice_at_once(open_ledger, read_workbook(county_workbook(), "台账.xlsx"), monkeypatch)
    assert [r.split(": ")[1].split(",")[0] for r in results] == ["imported 0 problem(s)", "imported 40 problem(s)"]  # noqa: E501
    check = open_ledger()
    assert len(check.problems(COLLECTOR)) == 40
    assert len(check.records(COLLECTOR, "enterprise")) == 20
