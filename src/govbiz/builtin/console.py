"""Built-in plugin: the console notification channel."""

from __future__ import annotations

from collections.abc import Callable

from govbiz.hookspecs import hookimpl
from govbiz.notify.channel import ConsoleChannel, NotificationChannel


@hookimpl
def govbiz_notification_channels(register: Callable[[NotificationChannel], None]) -> None:
    """Register the console channel, which prints each notification on a line."""
    register(ConsoleChannel())
