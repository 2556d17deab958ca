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


def test_a_ledger_s_history_gives_its_2023_figures_on_postgresql(pg_url: str, opened: list[Ledger]) -> None:
    from datetime import date

    from govbiz import commands as c
    from govbiz.clock import ManualClock, end_of_day
    from govbiz.metrics import compute_metrics
    from govbiz.metrics.asof import LedgerProblems
    from govbiz.reports.ledger_import import import_workbook
    from tests.reports.history_ledgers import history_rows, history_workbook
    from tests.reports.test_ledger_history import ADMIN, CITY, DEPARTMENTS, TODAY, VIEWER, _expected

    ledger = Ledger(open_postgres(pg_url), clock=ManualClock(TODAY))
    opened.append(ledger)
    ledger.handle(ADMIN, c.RegisterDivision(code=CITY, name="张家界市", level="city"))
    for key, name, short in DEPARTMENTS:
        ledger.handle(ADMIN, c.RegisterDepartment(code=key, name=name, short_name=short, county=CITY))
    rows = history_rows()
    import_workbook(ledger, COLLECTOR, read_workbook(history_workbook(rows), "2023年台账.xlsx"), county=CITY)
    again = Ledger(open_postgres(pg_url), clock=ManualClock(TODAY))  # read back from the database
    opened.append(again)
    for end in (date(2023, 6, 30), date(2023, 12, 31)):
        names = ("assigned", "completed", "in_progress", "solved")
        result = compute_metrics(LedgerProblems(again, VIEWER, county=CITY), end_of_day(end), metrics=names)
        found = {f.definition.name: len(f.numerator) for f in result.total.figures}
        expected = _expected(rows, end)
        assert found == {name: expected[name] for name in names}
