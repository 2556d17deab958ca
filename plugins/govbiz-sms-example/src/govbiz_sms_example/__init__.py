"""An SMS notification channel for govbiz: the plugin of the tutorial "Write a notification plugin"."""

from __future__ import annotations

import os
from collections.abc import Iterable

from govbiz import hookimpl
from govbiz.notify import NotificationChannel
from govbiz_sms_example.channel import SmsChannel
from govbiz_sms_example.message import normalize_phone, segments, sms_text

__all__ = ["SmsChannel", "govbiz_notification_channels", "normalize_phone", "segments", "sms_text"]


@hookimpl
def govbiz_notification_channels() -> Iterable[NotificationChannel]:
    """The `sms` channel when the gateway and its API key are configured."""
    gateway = os.environ.get("GOVBIZ_SMS_GATEWAY")
    api_key = os.environ.get("GOVBIZ_SMS_API_KEY")
    if not gateway or not api_key:
        return []  # installed but not configured: no channel, no error
    signature = os.environ.get("GOVBIZ_SMS_SIGNATURE", "【政企面对面】")
    return [SmsChannel(gateway, api_key, signature=signature)]
