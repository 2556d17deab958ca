"""Trying a command again after a write conflict (并发冲突后重试).

Two clerks, or a clerk and the reminder sweep, may change the same problem
at once.  Each command reads the problem, decides and commits with a
version check; the one that commits second gets
`govbiz.errors.ConcurrencyError` and nothing of it is stored.  Trying it
again is safe, because `Ledger.handle` reads the problem afresh and decides
again on what it finds: a second "sign" of a problem someone else signed
meanwhile is then refused with `IllegalTransitionError`, not retried.

    from govbiz.commands import SendReminder
    from govbiz.retry import handle_retrying

    problem = handle_retrying(ledger, supervisor, SendReminder(problem_id=pid, kind="reminder"))
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from govbiz.errors import ConcurrencyError, ValidationError

if TYPE_CHECKING:
    from govbiz.commands import Command
    from govbiz.domain.actors import Actor
    from govbiz.ledger import Ledger

__all__ = ["handle_retrying"]

R = TypeVar("R")


def handle_retrying(
    ledger: Ledger,
    actor: Actor,
    command: Command[R],
    *,
    attempts: int = 3,
    first_delay: float = 0.02,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """`ledger.handle(actor, command)`, tried up to `attempts` times while it conflicts.

    Between tries it waits `first_delay` seconds, doubling each time, with
    ±50 % jitter so that two processes that collided do not collide again.
    Any other error is raised at once; the last `ConcurrencyError` is
    raised when every attempt conflicted.
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValidationError("attempts", attempts, "must be a whole number ≥ 1")
    for attempt in range(1, attempts + 1):
        try:
            return ledger.handle(actor, command)
        except ConcurrencyError:
            if attempt == attempts:
                raise
            sleep(first_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")  # pragma: no cover
