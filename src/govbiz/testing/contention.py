"""Forcing write conflicts between processes, for concurrency tests of a store.

`BarrierStore(store, barrier)` makes every unit of work wait at a
`multiprocessing.Barrier` just before it commits, so that several processes
decide on the same versions and then race to commit: exactly one may win,
and every other must get `govbiz.errors.ConcurrencyError`.
"""

from __future__ import annotations

from typing import Any

from govbiz.ports.storage import Store, UnitOfWork
from govbiz.storage.delegating import DelegatingStore, DelegatingUnitOfWork

__all__ = ["BarrierStore", "BarrierUnitOfWork"]


class BarrierUnitOfWork(DelegatingUnitOfWork):
    """Meets the other workers at `barrier` before committing (no barrier: commits at once)."""

    def __init__(self, inner: UnitOfWork, barrier: Any) -> None:
        super().__init__(inner)
        self.barrier = barrier

    def commit(self) -> None:
        if self.barrier is not None:
            self.barrier.wait(timeout=60)
        self.inner.commit()


class BarrierStore(DelegatingStore):
    """A store whose every commit first waits at `barrier`."""

    def __init__(self, inner: Store, barrier: Any) -> None:
        super().__init__(inner)
        self.barrier = barrier

    def wrap(self, unit: UnitOfWork) -> UnitOfWork:
        return BarrierUnitOfWork(unit, self.barrier)
