"""What a simulation run did (运行统计): commands by kind, events, notifications delivered, cases."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

__all__ = ["RunStats"]


@attrs.define
class RunStats:
    """Commands by kind, notifications delivered (by trigger and by channel), per-case problem ids.

    `notifications` counts what the library's dispatcher delivered, by its
    trigger (`assigned`, `overdue` ...); `channels` the same deliveries by
    channel; `superseded` the reminders the dispatcher found out of date and
    did not send; `undelivered` the outbox entries left pending or dead at
    the end (none, unless a channel failed).
    """

    commands: Counter[str] = attrs.Factory(Counter)
    notifications: Counter[str] = attrs.Factory(Counter)
    channels: Counter[str] = attrs.Factory(Counter)
    superseded: int = 0
    undelivered: int = 0
    events: int = 0
    cases: dict[str, dict[str, str]] = attrs.Factory(dict)
    lasting_rules: list[str] = attrs.Factory(list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "commands": dict(sorted(self.commands.items())),
            "notifications": dict(sorted(self.notifications.items())),
            "delivery": {
                "channels": dict(sorted(self.channels.items())),
                "superseded": self.superseded,
                "undelivered": self.undelivered,
            },
            "events": self.events,
        }
