"""The console channel, and the channel port's names where plugins have always imported them.

The port itself (`Notification`, `NotificationChannel`, `DeliveryError`)
lives in `govbiz.ports.channel`; it is re-exported here for plugins written
against earlier releases.
"""

from __future__ import annotations

from typing import TextIO

from govbiz.ports.channel import DeliveryError, Notification, NotificationChannel

__all__ = ["ConsoleChannel", "DeliveryError", "Notification", "NotificationChannel"]


class ConsoleChannel:
    """Writes notifications to a terminal: the built-in channel, and the simulation's default."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def deliver(self, notification: Notification) -> None:
        """Print the notification on one line."""
        import sys

        stream = self._stream or sys.stdout
        recipients = ", ".join(notification.recipients)
        print(f"[通知 -> {recipients}] {notification.subject}", file=stream)
