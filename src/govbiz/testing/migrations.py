"""Helpers for testing a SQL dialect's migrations from the first schema forward."""

from __future__ import annotations

from typing import Any

from govbiz.domain.county_config import KeptCountyConfig
from govbiz.domain.holiday_notice import KeptNotice
from govbiz.domain.problem import Problem
from govbiz.domain.tenancy import Department, Division
from govbiz.ledger import Ledger
from govbiz.ports.storage import ProblemQuery, Record, RecordKind
from govbiz.storage.sql.rows import department_rows, event_row, problem_row, record_row
from govbiz.storage.sql.store import SQLStore
from govbiz.testing.sql import index_rows

__all__ = ["assert_clock_rows_current", "rows_at_first_schema"]


def rows_at_first_schema(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    """The ledger's data as rows of schema 0001: no hash columns, no running-clock rows.

    Insert them into a database migrated to revision 0001, then upgrade it,
    to prove an old county database keeps its data.
    """
    with ledger.store.unit_of_work() as uow:
        problems = list(uow.find_problems(ProblemQuery()))
        records = [(kind, r) for kind in RecordKind for r in uow.list_records(kind)]
        events = uow.events()

    def without_hash(problem: Problem) -> dict[str, Any]:
        row = problem_row(problem)
        del row["last_hash"], row["data"]["last_hash"]
        return row

    def unsealed(event: Any) -> dict[str, Any]:
        row = event_row(event)
        del row["prev_hash"], row["hash"]
        return row

    return {
        "problems": [without_hash(p) for p in problems],
        "problem_departments": [row for p in problems for row in department_rows(p)],
        "records": [record_row(kind, _key(r), r) for kind, r in records],
        "events": [unsealed(e) for e in events],
    }


def _key(record: Record) -> str:
    """A registry record's key: divisions and departments by code, kept notices by key, the rest by id."""
    if isinstance(record, Division | Department):
        return record.code
    return record.key if isinstance(record, KeptNotice | KeptCountyConfig) else record.id


def assert_clock_rows_current(store: SQLStore) -> None:
    """Fail unless the stored running-clock rows are exactly those of the stored problems.

    After an upgrade, the rows a migration filled (cutoffs, last days) must
    equal what the current code would write for the same problems.
    """
    stored, computed = index_rows(store)
    assert stored["clocks"] == computed["clocks"], f"running clocks after the upgrade: {stored['clocks']}"
