"""Group robots and webhooks for govbiz notifications (钉钉、企业微信、飞书群机器人, webhook).

Installed, this plugin registers the channels that the TOML file named by
`GOVBIZ_WEBHOOK_CONFIG` configures (see `govbiz_webhook.config`);
installed but not configured, it registers none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govbiz.ports.channel import NotificationChannel
from govbiz.ports.hooks import hookimpl
from govbiz_webhook.config import (
    CONFIG_ENV,
    KINDS,
    channel_of_kind,
    channels_from_environment,
    channels_from_settings,
    channels_from_toml,
)
from govbiz_webhook.generic import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, JsonWebhookChannel
from govbiz_webhook.robots import DingTalkChannel, FeishuChannel, Robot, RobotChannel, WeComChannel
from govbiz_webhook.signing import body_signature, dingtalk_sign, feishu_sign, verify_body_signature

__all__ = [
    "CONFIG_ENV",
    "IDEMPOTENCY_HEADER",
    "KINDS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DingTalkChannel",
    "FeishuChannel",
    "JsonWebhookChannel",
    "Robot",
    "RobotChannel",
    "WeComChannel",
    "body_signature",
    "channel_of_kind",
    "channels_from_environment",
    "channels_from_settings",
    "channels_from_toml",
    "dingtalk_sign",
    "feishu_sign",
    "govbiz_channel_from_settings",
    "govbiz_notification_channels",
    "verify_body_signature",
]


@hookimpl
def govbiz_notification_channels() -> Iterable[NotificationChannel]:
    """The robot and webhook channels that `GOVBIZ_WEBHOOK_CONFIG` configures."""
    return channels_from_environment()


@hookimpl
def govbiz_channel_from_settings(
    kind: str, name: str, settings: Mapping[str, Any], environ: Mapping[str, str]
) -> NotificationChannel | None:
    """A county file's `[channels.NAME]` table of kind `dingtalk`, `wecom`, `feishu` or `webhook`."""
    return channel_of_kind(kind, name, settings, environ)
