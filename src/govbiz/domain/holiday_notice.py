"""Holiday notices kept in the ledger (台账中的放假安排通知).

When the State Council publishes next year's arrangement, an administrator
adds it to the ledger (`govbiz calendar add-notice FILE.toml`).  From then on
every process and every county of that ledger counts deadlines on it, with no
Python and no restart, and the clocks that were counted on the provisional
year are re-based (`deadline_rebased` events on their problems).
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from govbiz.calendar.notice import HolidayNotice, NoticeOrigin
from govbiz.domain.handling import DueDate

__all__ = ["NATIONAL", "KeptNotice", "NoticeAdded", "Rebased", "RebasedClock", "notice_key"]

#: The division code of nationwide data (全国) such as holiday notices: no county owns them.
NATIONAL = "000000"


def notice_key(number: str, sha256: str) -> str:
    """The ledger key of a notice: its document number and the start of its file's SHA-256.

    A corrected transcription of the same notice gets a key of its own, so
    every version the ledger ever used stays in it; the one added last wins.
    """
    return f"{number}@{sha256[:16]}"


@attrs.frozen(slots=True)
class KeptNotice:
    """A holiday notice as the ledger keeps it: the notice, its file's digest, who added it when.

    `county` is always `NATIONAL`; `sha256` is the digest of the TOML file
    it was read from (`source` names that file); `corrects` is the key of
    the version of the same document number it replaces, if any.
    """

    key: str
    county: str
    notice: HolidayNotice
    sha256: str
    source: str
    added_at: datetime
    added_by: str
    corrects: str | None = None

    @property
    def in_force(self) -> HolidayNotice:
        """The notice as a calendar takes it: marked as kept in the ledger."""
        return attrs.evolve(self.notice, origin=NoticeOrigin.LEDGER)


@attrs.frozen(slots=True)
class Rebased:
    """One running clock counted again on a new notice (期限复核): announced and new last day.

    `official_last_day` is what the new calendar gives; `new` is the deadline
    in force from now on, which never ends before the day announced to the
    department (`kept_announced` is true when the announced day stood).
    """

    announced: DueDate
    new: DueDate
    official_last_day: date

    @property
    def kept_announced(self) -> bool:
        """True when the new calendar would have ended the clock earlier than announced."""
        return self.official_last_day < self.announced.last_day

    @property
    def moved(self) -> bool:
        """True when the department's last day changes."""
        return self.new.last_day != self.announced.last_day

    def to_json(self) -> dict[str, object]:
        """The change as an event payload records it."""
        return {
            "clock": self.new.clock,
            "old_last_day": self.announced.last_day.isoformat(),
            "new_last_day": self.new.last_day.isoformat(),
            "official_last_day": self.official_last_day.isoformat(),
            "kept_announced": self.kept_announced,
        }


@attrs.frozen(slots=True)
class RebasedClock:
    """A running clock of one problem re-based when a notice was added."""

    problem_id: str
    county: str
    change: Rebased


@attrs.frozen(slots=True)
class NoticeAdded:
    """What `AddHolidayNotice` did: the notice kept, its warnings, the clocks re-based.

    `already_kept` is true (and nothing was written) when the same file was
    added before: adding is idempotent.  `warnings` are the law's concerns
    that do not refuse a notice (Decree 795 Art. 7); `rebased` lists every
    clock counted again, `moved` those whose last day changed.
    """

    kept: KeptNotice
    already_kept: bool = False
    warnings: tuple[str, ...] = ()
    rebased: tuple[RebasedClock, ...] = ()

    @property
    def moved(self) -> tuple[RebasedClock, ...]:
        """The clocks whose last day moved (their departments are notified)."""
        return tuple(r for r in self.rebased if r.change.moved)
