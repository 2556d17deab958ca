"""Row mapping (行映射): the rows a SQL store writes for problems, records and events, and back.

Pure functions from domain objects to the dictionaries the tables take
(`govbiz.storage.sql.schema`), shared by the command path, the bulk loader
(`govbiz_postgres.bulk`), the migrations and the test checks, so every
writer stores exactly the same rows.  Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from govbiz.domain.events import EVENT_FIELDS, DomainEvent, iso_text
from govbiz.domain.problem import Problem
from govbiz.ports.storage import Record, RecordKind, earliest_deadlines, problem_columns
from govbiz.storage import codec

__all__ = [
    "Rows",
    "clock_rows",
    "department_rows",
    "event_from_row",
    "event_row",
    "problem_row",
    "record_county",
    "record_row",
]

#: Rows of one table (a problem's department or clock rows, for instance).
Rows = list[dict[str, Any]]


def problem_row(problem: Problem, *, like: tuple[Problem, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `problems` row of a problem: its snapshot and the columns queries filter on.

    `like`: another version of it and its snapshot, whose shared parts the
    snapshot reuses (see `govbiz.storage.codec.encode_problem`).
    """
    row = {"id": problem.id, **problem_columns(problem), "updated_at": problem.updated_at}
    row["data"] = codec.encode_problem(problem, like=like)
    return row


def department_rows(problem: Problem) -> Rows:
    """The lead (主办) and co-handling (协办) departments of the current assignment."""
    if problem.assignment is None:
        return []
    roles = dict.fromkeys(problem.assignment.co_handlers, "co")
    roles[problem.assignment.lead] = "lead"
    return [{"problem_id": problem.id, "department": d, "role": r} for d, r in roles.items()]


def clock_rows(problem: Problem) -> Rows:
    """One row per running clock, with its earliest cutoff (what `due_before` compares) and last day."""
    return [
        {
            "problem_id": problem.id,
            "clock": due.clock,
            "county": problem.county,
            "cutoff": due.cutoff,
            "last_day": due.last_day,
        }
        for due in earliest_deadlines(problem)
    ]


def record_row(kind: RecordKind, key: str, record: Record) -> dict[str, Any]:
    """The `records` row of a registry record."""
    return {
        "kind": kind.value,
        "key": key,
        "county": record_county(record),
        "version": 1,
        "data": codec.encode_record(record),
    }


def record_county(record: Record) -> str:
    """The division a record belongs to (a division belongs to itself)."""
    return str(getattr(record, "county", None) or getattr(record, "code", ""))


def event_row(event: DomainEvent) -> dict[str, Any]:
    """The `events` row of an event (`occurred_at` as exact text: the hash covers it).

    One column per field of `DomainEvent` (`EVENT_FIELDS`), plus `occurred_utc` to sort and filter by.
    """
    row = event.fields()
    row["occurred_at"] = iso_text(event.occurred_at)
    row["occurred_utc"] = event.occurred_at
    row["payload"] = dict(event.payload)
    return row


def event_from_row(row: Mapping[Any, Any]) -> DomainEvent:
    """Inverse of `event_row`."""
    fields = {name: row[name] for name in EVENT_FIELDS}
    fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
    return DomainEvent(**fields)
