"""What the API answers (响应内容): ledger values as JSON, with personal data masked.

Problems, enterprises and events go through `govbiz.records.to_record`,
which masks contact names and phone numbers; the other registry records
(divisions, departments, sessions, lasting rules, circulars, kept notices
and configuration files) hold no contact data and are written with the
storage codec's JSON form.  Contacts are never revealed here: revealing
them needs an audited reveal (who saw whose contacts, when), which govbiz
does not have yet.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs
from pydantic import BaseModel

from govbiz.domain.actors import Actor
from govbiz.domain.enterprise import Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.lifecycle import TRANSITIONS, Action
from govbiz.domain.problem import Problem, allowed_actions, authorize
from govbiz.errors import GovbizError, IllegalTransitionError, PermissionDeniedError
from govbiz.ledger import Ledger
from govbiz.records import EventRecord, ProblemRecord, to_record

__all__ = [
    "ActionOut",
    "DeadlineOut",
    "ProblemDetail",
    "ProblemPage",
    "caller_actions",
    "deadlines_of",
    "etag",
    "problem_json",
    "record_json",
]


class ActionOut(BaseModel):
    """An action the caller may take on the problem now (role, scope and state all allow it)."""

    action: str
    label_zh: str


class DeadlineOut(BaseModel):
    """A deadline of the current assignment with how it was counted (期限计算说明).

    `open` is true while the clock runs (its report is still awaited);
    `explanation` is the day-by-day counting in the request's language, or
    `None` for a clock the county's policy no longer has.
    """

    clock: str
    start: datetime
    last_day: date
    cutoff: datetime
    basis: str
    provisional: bool
    open: bool
    explanation: str | None


class ProblemDetail(BaseModel):
    """One problem with its history (留痕), deadlines and the actions allowed to the caller."""

    problem: ProblemRecord
    history: list[EventRecord]
    deadlines: list[DeadlineOut]
    allowed_actions: list[ActionOut]


class ProblemPage(BaseModel):
    """A page of problems; `next_cursor` fetches the next page (`None` on the last one)."""

    items: list[ProblemRecord]
    next_cursor: str | None


def etag(problem: Problem) -> str:
    """The problem's version as an entity tag (`"3"`)."""
    return f'"{problem.version}"'


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem as JSON (it holds no contact data)."""
    return to_record(problem).model_dump(mode="json")


def event_record(event: DomainEvent) -> EventRecord:
    """An event as its record, contacts in its data masked."""
    record = to_record(event)
    assert isinstance(record, EventRecord)
    return record


def record_json(record: object) -> Any:
    """What a command returned, or a registry record, as JSON; an enterprise's contacts masked."""
    if isinstance(record, Problem):
        return problem_json(record)
    if isinstance(record, Enterprise):
        return to_record(record).model_dump(mode="json")
    if attrs.has(type(record)):
        from govbiz.storage.codec import encode

        return encode(record)
    if isinstance(record, list | tuple):  # RevealContacts' contacts, PurgeContacts' enterprise ids
        return [record_json(item) for item in record]
    return record


def caller_actions(problem: Problem, actor: Actor) -> list[ActionOut]:
    """The actions the lifecycle allows now that the library also lets `actor` take.

    Each is asked of the domain's own check (`govbiz.domain.problem.authorize`:
    role, county, department, enterprise, state), with every outcome the
    action has (a return visit is satisfied or not).
    """
    found = []
    for action in sorted(allowed_actions(problem)):
        outcomes = {t.outcome for t in TRANSITIONS if t.action is action} or {""}
        for outcome in sorted(outcomes):
            try:
                authorize(problem, action, actor, outcome)
            except (PermissionDeniedError, IllegalTransitionError):
                continue
            found.append(ActionOut(action=action.value, label_zh=Action(action).label_zh))
            break
    return found


def deadlines_of(ledger: Ledger, problem: Problem, lang: str) -> list[DeadlineOut]:
    """The current assignment's deadlines, each with its counting explained."""
    if problem.assignment is None:
        return []
    running = {due.clock for due in problem.open_deadlines()}
    policy = ledger.policy(problem.county)
    out = []
    for due in problem.assignment.deadlines:
        try:
            explanation: str | None = policy.restore(due.clock, due.start, due.last_day).explain(lang)
        except GovbizError:  # a clock the county has since removed, or a year the calendar lacks
            explanation = None
        out.append(
            DeadlineOut(
                clock=due.clock, start=due.start, last_day=due.last_day, cutoff=due.cutoff, basis=due.basis,
                provisional=due.provisional, open=due.clock in running, explanation=explanation,
            )
        )  # fmt: skip
    return out
