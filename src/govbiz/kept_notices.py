"""The holiday notices a ledger keeps, and the calendars they make (台账中的放假安排).

A notice added with `govbiz calendar add-notice` is a record of the ledger,
so every process and every county that opens the ledger counts on it.  The
`KeptNotices` of a `govbiz.Ledger` reads them: when the ledger is first
used, then at most once every `refresh_seconds` (a process that runs for
weeks picks a new notice up within a minute), and at once in the process
that added it.  Each county's deadline policy is then the county's own with
those notices on its calendar (`policy`), built once per set of notices.
"""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from govbiz.domain.holiday_notice import KeptNotice, NoticeAdded, RebasedClock
from govbiz.errors import ValidationError

if TYPE_CHECKING:
    from govbiz.calendar import HolidayNotice, WorkingCalendar
    from govbiz.deadlines import DeadlinePolicy
    from govbiz.ports.storage import UnitOfWork

__all__ = ["REFRESH_SECONDS", "KeptNotices", "NoticeAdded", "RebasedClock", "in_force", "read_notice"]

#: How stale a long-running process's view of the kept notices may get, in seconds.
REFRESH_SECONDS = 60.0


def read_notice(text: str, source: str = "") -> HolidayNotice:
    """The one notice of a TOML file's `text`; errors name the file and the field."""
    from govbiz.calendar import parse_notices

    where = source or "the notice"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("notice", where, f"is not valid TOML: {exc}") from None
    notices = parse_notices(data)
    if len(notices) != 1:
        raise ValidationError(
            "notice", where, f"holds {len(notices)} notices; add one notice per file (a [[notice]] table)"
        )
    return notices[0]


def in_force(kept: tuple[KeptNotice, ...]) -> tuple[HolidayNotice, ...]:
    """The notices of `kept` (oldest added first) a calendar takes: a correction replaces the
    version of its document number added before it, whole, not day by day."""
    latest = {k.notice.number: k for k in kept}
    return tuple(k.in_force for k in kept if latest[k.notice.number] is k)


class KeptNotices:
    """A ledger's kept holiday notices (oldest added first) and the policies built on them.

    `read` lists the notices of a unit of work; `monotonic` is the clock
    that decides staleness (never the ledger's domain clock, which a
    simulation moves by years).
    """

    def __init__(
        self,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._kept: tuple[KeptNotice, ...] = ()
        self._in_force: tuple[HolidayNotice, ...] = ()
        self._read_at: float | None = None
        # base policy's id -> (base policy, notices it was built with, policy with them)
        self._policies: dict[int, tuple[DeadlinePolicy, tuple[HolidayNotice, ...], DeadlinePolicy]] = {}
        self._calendars: dict[int, tuple[WorkingCalendar, tuple[HolidayNotice, ...], WorkingCalendar]] = {}

    @property
    def kept(self) -> tuple[KeptNotice, ...]:
        """Every notice the ledger keeps, in the order they were added (the later wins)."""
        return self._kept

    @property
    def in_force(self) -> tuple[HolidayNotice, ...]:
        """The kept notices as a calendar takes them (origin `ledger`): for a document number
        added more than once (a corrected transcription), only the version added last."""
        return self._in_force

    def stale(self) -> bool:
        """True when the notices were never read, or read more than `refresh_seconds` ago."""
        read_at = self._read_at
        return read_at is None or self._monotonic() - read_at >= self.refresh_seconds

    def refresh(self, uow: UnitOfWork) -> None:
        """Read the kept notices through `uow` (a unit of work of the ledger's store)."""
        from govbiz.ports.storage import RecordKind

        found = [r for r in uow.list_records(RecordKind.HOLIDAY_NOTICE) if isinstance(r, KeptNotice)]
        self._set(tuple(sorted(found, key=lambda k: (k.added_at, k.key))))

    def added(self, kept: KeptNotice) -> None:
        """Take a notice this process has just committed, without waiting for the next read."""
        with self._lock:
            known = self._kept
        if all(k.key != kept.key for k in known):
            self._set((*known, kept))

    def policy(self, base: DeadlinePolicy) -> DeadlinePolicy:
        """`base` (a county's policy) with the kept notices on its calendar; cached per set."""
        notices = self._in_force
        if not notices:
            return base
        cached = self._policies.get(id(base))
        if cached is not None and cached[0] is base and cached[1] is notices:
            return cached[2]
        policy = attrs.evolve(base, calendar=self.calendar(base.calendar, notices))
        self._policies[id(base)] = (base, notices, policy)
        return policy

    def calendar(
        self, base: WorkingCalendar, notices: tuple[HolidayNotice, ...] | None = None
    ) -> WorkingCalendar:
        """`base` with `notices` (the kept ones by default) in force; counties sharing a calendar
        share the result, so a province builds it once rather than once per county."""
        notices = self._in_force if notices is None else notices
        if not notices:
            return base
        cached = self._calendars.get(id(base))
        if cached is not None and cached[0] is base and cached[1] == notices:
            return cached[2]
        calendar = base.with_notice(*notices)
        self._calendars[id(base)] = (base, notices, calendar)
        return calendar

    def _set(self, kept: tuple[KeptNotice, ...]) -> None:
        with self._lock:
            self._read_at = self._monotonic()
            if kept == self._kept:
                return  # unchanged: keep the tuple, and with it every cached policy
            self._kept = kept
            self._in_force = in_force(kept)
