"""Holiday notices kept in the ledger (台账中的放假安排通知).

When the State Council publishes next year's arrangement, an administrator
adds it to the ledger (`govbiz calendar add-notice FILE.toml`).  From then on
every process and every county of that ledger counts deadlines on it, with no
Python and no restart, and the clocks that were counted on the provisional
year are re-based (`deadline_rebased` events on their problems).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from govbiz.calendar.notice import HolidayNotice, NoticeOrigin

__all__ = ["NATIONAL", "KeptNotice", "notice_key"]

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
