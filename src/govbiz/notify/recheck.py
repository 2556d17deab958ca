"""Reminders judged when they are sent (发送前复核), not only when they were queued.

The daily sweep queues a reminder for a clock at a warning level; it may be
delivered hours later (a retry) or only from the instant a sweep was run for
(`govbiz remind --as-of ... --future`).  By then the department may have
reported, the clocks may be suspended, or the last day may have moved (an
extension, a holiday notice that re-based it).  `warning_recheck` gives the
dispatcher the question to ask of each such entry: is its clock still open,
with the same last day?  If not, the entry is marked superseded, not sent.
Notifications about events (an assignment, a circular) are facts and are
always sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govbiz.ports.storage import earliest_deadlines

if TYPE_CHECKING:
    from govbiz.ledger import Ledger
    from govbiz.notify.dispatcher import Recheck
    from govbiz.ports.outbox import OutboxEntry

__all__ = ["warning_recheck"]


def warning_recheck(ledger: Ledger) -> Recheck:
    """The dispatcher's check for reminders queued by the sweep of `ledger`'s clocks."""

    def recheck(entry: OutboxEntry) -> str | None:
        data = entry.notification.data
        problem_id, clock, last_day = data.get("problem_id"), data.get("clock"), data.get("last_day")
        if not (problem_id and clock and last_day):
            return None  # not a sweep reminder: nothing to judge again
        with ledger.store.unit_of_work() as uow:
            problem = uow.get_problem(problem_id)
        if problem is None:
            return f"problem {problem_id} is no longer in the ledger"
        if problem.suspended:
            return f"the clocks of {problem_id} are suspended (中止) since the reminder was queued"
        running = next((d for d in earliest_deadlines(problem) if d.clock == clock), None)
        if running is None:
            state = problem.state.value
            return f"the {clock} clock of {problem_id} was met since the reminder was queued (now {state})"
        if running.last_day.isoformat() != last_day:
            return (
                f"the {clock} clock of {problem_id} now ends on {running.last_day.isoformat()}, "
                f"not {last_day} (extended or re-based)"
            )
        return None

    return recheck
