"""Problems as they stood at an instant (截至某时点的状态).

A figure for a past date must come out the same when it is computed again
later.  A problem's state at an instant T is its event stream replayed up to
T (events carry `occurred_at`); when the stored problem has not changed since
T it is used as it is, which is the fast path for "as of now".

A `ProblemSource` hands out problems as of an instant, one at a time:

- `StoredProblems`: problems already loaded (the fast path only; it refuses
  a problem that changed after the instant, because it cannot replay it);
- `ReplayedStreams`: event streams, one per problem, replayed up to T;
- `LedgerProblems`: a ledger's problems the actor may see, each used as
  stored or replayed from its history, whichever T needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from govbiz.clock import require_aware
from govbiz.domain.events import DomainEvent
from govbiz.domain.payloads import effective_at
from govbiz.domain.problem import Problem, apply
from govbiz.errors import ValidationError

if TYPE_CHECKING:
    from govbiz.domain.actors import Actor
    from govbiz.ledger import Ledger

__all__ = [
    "LedgerProblems",
    "ProblemSource",
    "ReplayedStreams",
    "StoredProblems",
    "effective_at",
    "problem_as_of",
]


@runtime_checkable
class ProblemSource(Protocol):
    """Anything that yields problems in their state at an instant."""

    def problems_as_of(self, as_of: datetime) -> Iterator[Problem]:
        """Each problem that existed at `as_of`, in its state then."""
        ...


def problem_as_of(events: Iterable[DomainEvent], as_of: datetime) -> Problem | None:
    """Replay one problem's events that count at or before `as_of` (`effective_at`); `None` if none do."""
    require_aware(as_of, "as_of")
    problem: Problem | None = None
    for event in events:
        if effective_at(event) > as_of:
            break
        problem = apply(problem, event)
    return problem


def _changed_after(problem: Problem, as_of: datetime) -> bool:
    changed = problem.updated_at or problem.collected_at
    return changed > as_of


class StoredProblems:
    """Problems as stored now: valid for any instant after their last change."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self._problems = problems

    def problems_as_of(self, as_of: datetime) -> Iterator[Problem]:
        """Each problem as it is; a `ValidationError` for one changed after `as_of`."""
        require_aware(as_of, "as_of")
        for problem in self._problems:
            if _changed_after(problem, as_of):
                raise ValidationError(
                    "as_of",
                    as_of.isoformat(),
                    f"problem {problem.id} changed after it; pass its events "
                    f"(ReplayedStreams or LedgerProblems) to compute figures for that instant",
                )
            yield problem


class ReplayedStreams:
    """One event stream per problem, each replayed up to the instant."""

    def __init__(self, streams: Iterable[Iterable[DomainEvent]]) -> None:
        self._streams = streams

    def problems_as_of(self, as_of: datetime) -> Iterator[Problem]:
        """Each stream's problem at `as_of`, skipping problems not yet collected."""
        for stream in self._streams:
            problem = problem_as_of(stream, as_of)
            if problem is not None:
                yield problem


class LedgerProblems:
    """The problems of a `govbiz.Ledger` that `actor` may see, at any instant.

    `filters` are passed to `Ledger.problems` (county, category ...).
    A problem unchanged since `as_of` is used as stored; one changed later is
    replayed from its history (`Ledger.history`) up to `as_of`.
    """

    def __init__(self, ledger: Ledger, actor: Actor, **filters: Any) -> None:
        self._ledger = ledger
        self._actor = actor
        self._filters = filters

    def problems_as_of(self, as_of: datetime) -> Iterator[Problem]:
        """Each visible problem that existed at `as_of`, in its state then."""
        require_aware(as_of, "as_of")
        for stored in self._ledger.problems(self._actor, **self._filters):
            if not _changed_after(stored, as_of):
                yield stored
                continue
            replayed = problem_as_of(self._ledger.history(self._actor, stored.id), as_of)
            if replayed is not None:
                yield replayed
