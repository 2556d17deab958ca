"""办理进度自助查询: the enterprise asks where its problem stands, with its number and query code.

Every problem has a query code (查询码), `K7QF-2M9D`: eight characters of
an alphabet without look-alikes (no 0/O, 1/I/L), derived from the problem's
number with a key kept in the ledger's database (HMAC-SHA-256), so every
problem has one however it was collected, every `serve` process computes
the same one, and nothing per problem is stored.  The collector reads it
from `GET /v1/problems/{id}/query-code` and gives it to the enterprise with
the problem's number.

The lookup answers the state in Chinese, the lead department's short name,
and each deadline with whether it was met, and nothing personal.  A wrong
code and an unknown number get the same answer, and wrong answers are
limited per client address and per number (`StatusLimits`), so the lookup
can be used neither to find which numbers exist nor to guess a code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import attrs
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite

from govbiz.domain.events import DomainEvent
from govbiz.domain.lifecycle import Action
from govbiz.domain.problem import Problem
from govbiz.domain.tenancy import Department
from govbiz.errors import GovbizError
from govbiz.ledger import Ledger
from govbiz.ports.storage import RecordKind
from govbiz_api.tables import SECRETS, STATUS_ATTEMPTS, ApiDatabase, instant_text

__all__ = [
    "ALPHABET",
    "DeadlineStatus",
    "ProblemStatus",
    "QueryCodes",
    "StatusLimits",
    "TooManyAttemptsError",
    "UnknownStatusError",
    "status_of",
]

#: The characters of a query code: digits and capitals a person cannot misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_LENGTH = 8
_KEY_NAME = "query_code_key"

#: The report that answers each clock, by the event it records.
_ANSWERED_BY = {
    "sign": Action.SIGN,
    "progress": Action.REPORT_PROGRESS,
    "result": Action.REPORT_RESULT,
    "return_visit": Action.RETURN_VISIT,
}


class UnknownStatusError(GovbizError):
    """The number and code do not match a problem (HTTP 404); the same for an unknown number."""

    def __init__(self) -> None:
        super().__init__("no problem with this number and query code")


class TooManyAttemptsError(GovbizError):
    """Too many wrong lookups from this address or for this number (HTTP 429); `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many wrong query codes; try again in {retry_after} seconds")


class QueryCodes:
    """The query codes of one ledger database: one key, made on first use, shared by every process."""

    def __init__(self, database: ApiDatabase) -> None:
        self._db = database
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            with self._db.writing() as conn:
                values = {"name": _KEY_NAME, "value": secrets.token_hex(32)}
                name = conn.dialect.name
                if name in ("postgresql", "sqlite"):
                    insert = postgresql.insert if name == "postgresql" else sqlite.insert
                    conn.execute(insert(SECRETS).values(**values).on_conflict_do_nothing())
                elif (
                    conn.execute(sa.select(SECRETS.c.name).where(SECRETS.c.name == _KEY_NAME)).first() is None
                ):
                    conn.execute(SECRETS.insert().values(**values))
                stored = conn.execute(
                    sa.select(SECRETS.c.value).where(SECRETS.c.name == _KEY_NAME)
                ).scalar_one()
            self._key = bytes.fromhex(str(stored))
        return self._key

    def code(self, number: str) -> str:
        """The query code of problem `number`, as printed: `K7QF-2M9D`."""
        digest = hmac.new(self.key(), number.encode("utf-8"), hashlib.sha256).digest()
        value = int.from_bytes(digest[:8], "big")
        chars = []
        for _ in range(_LENGTH):
            value, index = divmod(value, len(ALPHABET))
            chars.append(ALPHABET[index])
        text = "".join(chars)
        return f"{text[:4]}-{text[4:]}"

    def matches(self, number: str, given: str) -> bool:
        """True if `given` is `number`'s code (case, spaces and hyphens aside), compared in constant time."""
        cleaned = "".join(ch for ch in given.upper() if ch not in " -")
        expected = self.code(number).replace("-", "")
        return hmac.compare_digest(cleaned.encode("utf-8", "replace"), expected.encode("utf-8"))


@attrs.frozen
class StatusLimits:
    """How many wrong lookups are allowed: per client address and per number, in a sliding window."""

    per_client: int = 10
    client_window: timedelta = timedelta(minutes=15)
    per_number: int = 20
    number_window: timedelta = timedelta(hours=1)


class StatusAttempts:
    """Wrong lookups, kept in the database so the limit holds across processes."""

    def __init__(self, database: ApiDatabase, limits: StatusLimits | None = None) -> None:
        self._db = database
        self.limits = limits or StatusLimits()

    def check(self, client: str, number: str, *, now: datetime) -> None:
        """Refuse (`TooManyAttemptsError`) a client or a number past its limit, before any lookup."""
        limits = self.limits
        with self._db.reading() as conn:
            by_client = self._count(conn, STATUS_ATTEMPTS.c.client == client, now - limits.client_window)
            by_number = self._count(conn, STATUS_ATTEMPTS.c.number == number, now - limits.number_window)
        if by_client >= limits.per_client:
            raise TooManyAttemptsError(int(limits.client_window.total_seconds()))
        if by_number >= limits.per_number:
            raise TooManyAttemptsError(int(limits.number_window.total_seconds()))

    def wrong(self, client: str, number: str, *, now: datetime) -> None:
        """Note a wrong lookup (and forget those older than the longest window)."""
        oldest = now - max(self.limits.client_window, self.limits.number_window)
        with self._db.writing() as conn:
            conn.execute(STATUS_ATTEMPTS.delete().where(STATUS_ATTEMPTS.c.at < instant_text(oldest)))
            conn.execute(
                STATUS_ATTEMPTS.insert().values(client=client, number=number[:100], at=instant_text(now))
            )

    @staticmethod
    def _count(conn: sa.Connection, which: sa.ColumnElement[bool], since: datetime) -> int:
        query = sa.select(sa.func.count()).select_from(STATUS_ATTEMPTS)
        return int(conn.execute(query.where(which, STATUS_ATTEMPTS.c.at >= instant_text(since))).scalar_one())


class DeadlineStatus(BaseModel):
    """One deadline as the enterprise sees it: `met` is true or false once answered or overdue,
    `None` while it still runs."""

    clock: str
    last_day: date
    met: bool | None


class ProblemStatus(BaseModel):
    """Where a problem stands (办理进度), without anything personal."""

    number: str
    title: str
    state: str
    state_zh: str
    lead_department: str | None
    deadlines: list[DeadlineStatus]


def status_of(ledger: Ledger, number: str, *, now: datetime) -> ProblemStatus | None:
    """The status of problem `number`, read from the store (the query code is the caller's right to it)."""
    with ledger.store.unit_of_work() as uow:
        problem = uow.get_problem(number)
        if problem is None:
            return None
        lead = None
        if problem.assignment is not None:
            department = uow.get_record(RecordKind.DEPARTMENT, problem.assignment.lead)
            if isinstance(department, Department):
                lead = department.short_name or department.name
        events = uow.events("problem", number)
    return ProblemStatus(
        number=problem.id,
        title=problem.title,
        state=problem.state.value,
        state_zh=problem.state.label_zh,
        lead_department=lead,
        deadlines=_deadlines(problem, events, now),
    )


def _deadlines(problem: Problem, events: Sequence[DomainEvent], now: datetime) -> list[DeadlineStatus]:
    if problem.assignment is None:
        return []
    assigned_at = problem.assignment.assigned_at
    running = {due.clock for due in problem.open_deadlines()}
    out = []
    for due in problem.assignment.deadlines:
        if due.clock not in _ANSWERED_BY:
            # Between departments only (协办 replies to the lead, 核实): not the enterprise's business.
            continue
        met: bool | None
        if due.clock in running:
            met = False if now > due.cutoff else None
        else:
            answered = _answered_at(events, due.clock, assigned_at)
            met = None if answered is None else answered <= due.cutoff
        out.append(DeadlineStatus(clock=due.clock, last_day=due.last_day, met=met))
    return out


def _answered_at(events: Sequence[DomainEvent], clock: str, since: datetime) -> datetime | None:
    """When the report answering `clock` came, the first since the assignment (`None`: unknown)."""
    action = _ANSWERED_BY.get(clock)
    for event in events:
        if action is not None and event.kind == action.value and event.occurred_at >= since:
            return event.occurred_at
    return None
