"""Every error govbiz raises on purpose derives from `GovbizError`.

Callers embedding govbiz catch one base class; each subclass carries the
facts a clerk or a developer needs to act (the field and the value, the
problem and its state, the missing calendar year) both as attributes and in
its message.  Where a built-in exception has the same meaning the class also
derives from it (`ValueError`, `LookupError`, `PermissionError`) so that
generic code keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "CalendarCoverageError",
    "ConcurrencyError",
    "GovbizError",
    "IllegalTransitionError",
    "NotFoundError",
    "PermissionDeniedError",
    "StorageError",
    "ValidationError",
]


class GovbizError(Exception):
    """Base class of every error raised by govbiz."""


class ValidationError(GovbizError, ValueError):
    """Bad input: a field has a value that govbiz refuses (输入不合法).

    `field` names the field (dotted for nested data, for example
    `"contacts.0.phone"`), `value` is the offending value and `reason`
    says what is wrong with it.  When several fields are wrong at once,
    `errors` lists each as a dict with `field`, `value` and `reason`
    (the first one is also in the attributes).  Nothing has been stored when
    this is raised.
    """

    def __init__(
        self, field: str, value: Any, reason: str, *, errors: list[dict[str, Any]] | None = None
    ) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.errors = errors or [{"field": field, "value": value, "reason": reason}]
        super().__init__(f"{field}: {reason} (got {value!r})")


class NotFoundError(GovbizError, LookupError):
    """A record that a command refers to does not exist (in the caller's county).

    `kind` is the record type (`"enterprise"`, `"department"`,
    `"problem"`, ...) and `key` the identifier that was looked up.
    """

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")


class PermissionDeniedError(GovbizError, PermissionError):
    """The actor may not perform this action (无权操作).

    Raised when the actor's role does not allow the action, when a department
    acts on an assignment that is not its own, or when an actor of one county
    touches another county's records.
    """

    def __init__(self, actor: str, action: str, reason: str) -> None:
        self.actor = actor
        self.action = action
        self.reason = reason
        super().__init__(f"{actor} may not {action}: {reason}")


class IllegalTransitionError(GovbizError):
    """An action is not allowed in the problem's current state (状态不允许).

    The message names the problem, its current state, the attempted action and
    the actions that are allowed now, so the caller can correct course.
    """

    def __init__(self, problem_id: str, state: str, action: str, allowed: Iterable[str]) -> None:
        self.problem_id = problem_id
        self.state = state
        self.action = action
        self.allowed = tuple(sorted(allowed))
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (final state)"
        super().__init__(f"problem {problem_id} is {state!r}: cannot {action!r}; allowed now: {allowed_text}")


class ConcurrencyError(GovbizError):
    """A write was based on a stale version of a record (并发冲突).

    Another command changed the record after this one read it; nothing was
    written.  Reload the record and try again.
    """

    def __init__(self, kind: str, key: object, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        found = "it no longer exists" if actual is None else f"it is now at version {actual}"
        super().__init__(
            f"{kind} {key!r} was changed by someone else: expected version {expected}, "
            f"{found}; reload and retry"
        )


class StorageError(GovbizError):
    """A database cannot be used as a govbiz store (存储不可用); nothing was written to it.

    `location` names the database (a file path, or a URL without its
    password) and `reason` says what is wrong: not a database at all, a
    database of some other application, a schema newer than this govbiz
    knows, or a database too busy to answer in time.
    """

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(f"{location}: {reason}")


class CalendarCoverageError(GovbizError, LookupError):
    """A date falls in a year the working-day calendar does not cover (日历未覆盖).

    The national calendar is data, one year per State Council General Office
    notice (国务院办公厅关于某年部分节假日安排的通知); the few years after the
    latest notice are derived from the holiday law and marked provisional.
    Beyond those govbiz does not guess, because a guessed deadline could name
    the wrong department in a supervision circular.  `official_through` is
    the last year with a published notice, when known.
    """

    def __init__(
        self, year: int, first_year: int, last_year: int, official_through: int | None = None
    ) -> None:
        self.year = year
        self.first_year = first_year
        self.last_year = last_year
        self.official_through = official_through
        derived = (
            f"; notices through {official_through}, the years after derived from the holiday law "
            f"as provisional up to {last_year}"
            if official_through is not None and official_through < last_year
            else ""
        )
        super().__init__(
            f"the working-day calendar has no holiday arrangement for {year} "
            f"(covered: {first_year}–{last_year}{derived}). Add that year's State Council notice "
            f"with `govbiz calendar add-notice FILE.toml` (see docs: 'Add next year's holiday notice') "
            f"or through the govbiz_calendar_data plugin hook."
        )
