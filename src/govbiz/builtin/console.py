"""Built-in plugin: the console notification channel."""

from __future__ import annotations

from collections.abc import Iterable

from govbiz.notify.channel import ConsoleChannel
from govbiz.ports.channel import NotificationChannel
from govbiz.ports.hooks import hookimpl


@hookimpl
def govbiz_notification_channels() -> Iterable[NotificationChannel]:
    """The console channel, which prints each notification on a line."""
    return [ConsoleChannel()]
