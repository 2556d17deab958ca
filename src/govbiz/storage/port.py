"""The storage port, where plugins have always imported it: see `govbiz.ports.storage`."""

from govbiz.ports.storage import (
    ProblemQuery,
    Record,
    RecordKind,
    Store,
    UnitOfWork,
    WarningClock,
    earliest_deadlines,
)

__all__ = [
    "ProblemQuery",
    "Record",
    "RecordKind",
    "Store",
    "UnitOfWork",
    "WarningClock",
    "earliest_deadlines",
]
