"""The built-in channels (console, capture), and the channel port's names where plugins import them.

The port itself (`Notification`, `NotificationChannel`, `DeliveryError`)
lives in `govbiz.ports.channel`; it is re-exported here for plugins written
against earlier releases.
"""

from __future__ import annotations

from typing import TextIO

from govbiz.ports.channel import DeliveryError, Notification, NotificationChannel

__all__ = ["CaptureChannel", "ConsoleChannel", "DeliveryError", "Notification", "NotificationChannel"]


class ConsoleChannel:
    """Writes notifications to a terminal, one line each: the built-in channel."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def deliver(self, notification: Notification) -> None:
        """Print the notification on one line."""
        import sys

        stream = self._stream or sys.stdout
        recipients = ", ".join(notification.recipients)
        print(f"[通知 -> {recipients}] {notification.subject}", file=stream)


class CaptureChannel:
    """Keeps every notification it is given, in memory (捕获通道): nothing leaves the process.

    It stands in for the channel `name` (`"capture"` unless told): a
    dispatcher given `{"console": CaptureChannel("console")}` delivers the
    console's entries into `delivered`, in the order it delivered them.  The
    simulation delivers through capture channels, and so do tests (the
    `captured_notifications` fixture of `govbiz.testing.pytest_plugin`).
    It never fails and never blocks, so a dispatcher may call it in its own
    thread (`Dispatcher(..., timeout=None)`).

        from govbiz.notify import CaptureChannel, Notification

        channel = CaptureChannel("console")
        channel.deliver(Notification("k", "console", ("市自规局",), "【交办通知】", "请签收"))
        assert [n.subject for n in channel.delivered] == ["【交办通知】"]
    """

    def __init__(self, name: str = "capture") -> None:
        self.name = name
        self.delivered: list[Notification] = []

    def deliver(self, notification: Notification) -> None:
        """Keep the notification."""
        self.delivered.append(notification)
