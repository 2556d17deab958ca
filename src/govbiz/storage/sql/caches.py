"""What a SQL store remembers between units of work (缓存): registry records and problem snapshots.

Both hold only what cannot go stale: a registry record is written once, and
a version of a problem is written once.  A `SQLStore` has one of each
(`SQLStore.registry`, `SQLStore.snapshots`), shared by its units of work.
"""

from __future__ import annotations

from typing import Any

from govbiz.domain.problem import Problem
from govbiz.ports.storage import Record, RecordKind

__all__ = ["RegistryCache", "SnapshotCache"]


class RegistryCache:
    """Registry records (登记信息) a store has read, so a command reads each at most once per process.

    The Ledger registers a division, department, enterprise, session,
    lasting rule or circular once and never writes a second version of it, so a
    record found is the record for good: an assignment reads its session, its
    departments and the enterprise without a round trip once they are known.
    Only records found are kept (one missing now may be registered by another
    process), a unit that writes a record drops it, and the oldest go first
    beyond `limit`.
    """

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._records: dict[tuple[RecordKind, str], Record] = {}

    def get(self, kind: RecordKind, key: str) -> Record | None:
        return self._records.get((kind, key))

    def put(self, kind: RecordKind, key: str, record: Record) -> None:
        if len(self._records) >= self.limit:
            self._records.pop(next(iter(self._records)), None)
        self._records[(kind, key)] = record

    def forget(self, kind: RecordKind, key: str) -> None:
        self._records.pop((kind, key), None)


class SnapshotCache:
    """The latest problem snapshots (问题快照) a store has read or committed, by problem id.

    A version of a problem is written once, with its version check, so the
    snapshot of a given version never changes: a unit that knows one asks
    the database for the problem's version and gets the snapshot only if it
    has moved on.  Most commands on a problem follow one another in the same
    process, so they skip sending, parsing and decoding the JSON document.
    A snapshot this process encoded is kept with it: the next version
    reuses the parts it shares (`govbiz.storage.codec.encode_problem`).
    The oldest go first beyond `limit`.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._problems: dict[str, tuple[Problem, dict[str, Any] | None]] = {}

    def get(self, problem_id: str) -> Problem | None:
        found = self._problems.get(problem_id)
        return None if found is None else found[0]

    def encoded(self, problem_id: str) -> tuple[Problem, dict[str, Any]] | None:
        """The known version of a problem with the snapshot this process encoded of it, if any."""
        found = self._problems.get(problem_id)
        if found is None or found[1] is None:
            return None
        return found[0], found[1]

    def put(self, problem: Problem, data: dict[str, Any] | None = None) -> None:
        """Remember `problem`, with `data`, its snapshot as encoded here (never to be changed)."""
        self._problems.pop(problem.id, None)  # re-inserted last: the most recently seen go last
        if len(self._problems) >= self.limit:
            self._problems.pop(next(iter(self._problems)), None)
        self._problems[problem.id] = (problem, data)
