"""Instants as a report prints them (统计时点): Beijing time to the minute, not a raw ISO instant.

`2025-11-10T09:41:07.318204+08:00` is what a computer keeps; a clerk reads
`2025-11-10 09:41（北京时间）`.  Seconds and their fractions are dropped
(no figure depends on them); an instant in another offset is shown in
Beijing time, the time every deadline is counted in.
"""

from __future__ import annotations

from datetime import datetime

from govbiz.clock import beijing

__all__ = ["readable_instant"]


def readable_instant(instant: datetime) -> str:
    """`instant` in Beijing time to the minute: 2025-11-10 09:41（北京时间）."""
    local = instant.astimezone(beijing()) if instant.tzinfo else instant
    return f"{local:%Y-%m-%d %H:%M}（北京时间）"
