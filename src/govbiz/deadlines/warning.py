"""Warning levels of a running clock (预警等级)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["WarningLevel"]


class WarningLevel(StrEnum):
    """How urgent a running clock is at an instant (预警等级), from calm to circular-worthy."""

    NORMAL = "normal"
    """More working days left than the approaching threshold (正常)."""
    APPROACHING = "approaching"
    """Few working days left (临期), e.g. 2 or fewer."""
    DUE_TODAY = "due_today"
    """Today is the last day and the cutoff has not passed (今日到期)."""
    OVERDUE = "overdue"
    """The cutoff has passed (逾期)."""
    SERIOUSLY_OVERDUE = "seriously_overdue"
    """Late by more than the threshold, e.g. 5 working days (严重逾期, 通报)."""

    @property
    def zh(self) -> str:
        """Return the Chinese name of the level."""
        return _ZH[self]


_ZH = {
    WarningLevel.NORMAL: "正常",
    WarningLevel.APPROACHING: "临期",
    WarningLevel.DUE_TODAY: "今日到期",
    WarningLevel.OVERDUE: "逾期",
    WarningLevel.SERIOUSLY_OVERDUE: "严重逾期",
}
