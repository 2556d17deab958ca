"""All or nothing (整批提交): many ledger commands committed as one unit of work.

`Ledger.handle` commits each command on its own.  Importing a spreadsheet
runs hundreds of commands (register an enterprise, collect a problem ...)
and must store all of them or none, so that a file rejected halfway never
leaves half a ledger behind.  `all_or_nothing(ledger)` gives a ledger whose
commands all stage into one unit of work of the real store; leaving the
block normally commits them together, an exception discards them all.

Every store keeps this promise already: a unit of work reads its own staged
writes and commits them atomically, several events of one stream included.
Notifications the commands queue go into the same unit of work (the outbox
is committed with the events).  The batch ledger calls no subscriber: the events are handed back in
`Batch.events` once committed, for the caller to publish.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import attrs

from govbiz.domain.events import DomainEvent
from govbiz.ports.storage import Store, UnitOfWork
from govbiz.storage.delegating import DelegatingStore, DelegatingUnitOfWork

if TYPE_CHECKING:
    from govbiz.ledger import Ledger

__all__ = ["Batch", "all_or_nothing"]


class _SharedUnit(DelegatingUnitOfWork):
    """One command's view of the batch's unit: its commit and rollback belong to the batch."""

    def commit(self) -> None:
        """Nothing yet: the batch commits every command at its end."""

    def rollback(self) -> None:
        """Nothing: a failed command aborts the whole batch, which discards everything."""


class _BatchStore(DelegatingStore):
    """Hands every command the batch's one unit of work (the outbox stays the real store's)."""

    def __init__(self, store: Store, outer: UnitOfWork) -> None:
        super().__init__(store)
        self._outer = outer

    def unit_of_work(self) -> UnitOfWork:
        return _SharedUnit(self._outer)

    def close(self) -> None:
        """Nothing: the batch borrows the ledger's store and must not close it."""


@attrs.define
class Batch:
    """The batch's ledger (use it like the real one) and, after the commit, its events."""

    ledger: Ledger
    events: list[DomainEvent] = attrs.Factory(list)


@contextmanager
def all_or_nothing(ledger: Ledger) -> Iterator[Batch]:
    """A batch over `ledger`'s store: committed when the block ends, discarded if it raises.

    The batch ledger shares the ledger's clock, county profiles and audit
    hash.  Other writers may commit meanwhile; a conflict on the same record
    fails the whole batch with `govbiz.errors.ConcurrencyError`.
    """
    from govbiz.ledger import Ledger

    staged: list[DomainEvent] = []
    with ledger.store.unit_of_work() as outer:
        batch_ledger = Ledger(
            _BatchStore(ledger.store, outer),
            clock=ledger.clock,
            profile_source=ledger.profile,
            hasher=ledger.hasher,  # sealed with the ledger's own audit hash (SM3 in some counties)
            subscribers=[staged.extend],
        )
        batch = Batch(batch_ledger)
        yield batch
        outer.commit()
    batch.events.extend(staged)
