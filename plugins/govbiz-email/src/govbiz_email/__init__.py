"""Email notifications (电子邮件通知) for govbiz, over SMTP.

Installed, this plugin registers one channel per configured mail server
through `govbiz_notification_channels`; installed but not configured, it
registers none.  See `govbiz_email.config` for the configuration and
`govbiz_email.channel.EmailChannel` for what is sent and how errors are
classified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govbiz.ports.channel import NotificationChannel
from govbiz.ports.hooks import hookimpl
from govbiz_email.channel import EmailChannel, message_id
from govbiz_email.config import (
    CONFIG_ENV,
    URL_ENV,
    channel_from_settings,
    channel_from_url,
    channels_from_environment,
    channels_from_toml,
)

__all__ = [
    "CONFIG_ENV",
    "URL_ENV",
    "EmailChannel",
    "channel_from_settings",
    "channel_from_url",
    "channels_from_environment",
    "channels_from_toml",
    "govbiz_channel_from_settings",
    "govbiz_notification_channels",
    "message_id",
]


@hookimpl
def govbiz_notification_channels() -> Iterable[NotificationChannel]:
    """The email channels that `GOVBIZ_EMAIL_URL` or `GOVBIZ_EMAIL_CONFIG` configure."""
    return channels_from_environment()


@hookimpl
def govbiz_channel_from_settings(
    kind: str, name: str, settings: Mapping[str, Any], environ: Mapping[str, str]
) -> NotificationChannel | None:
    """A county file's `[channels.NAME]` table of kind `email`: its own mail server."""
    if kind != "email":
        return None
    return channel_from_settings(name, settings, environ)
