"""A generic JSON webhook, signed, for a county's own OA or messaging system.

The request::

    POST <url>
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: <notification key>
    X-Govbiz-Timestamp: <unix seconds>
    X-Govbiz-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>

    {"key": ..., "channel": ..., "recipients": [...], "subject": ..., "body": ...,
     "data": {...}, "timestamp": <the same unix seconds>}

The receiver recomputes the signature over the bytes it received (before
parsing them), refuses a `timestamp` too far from its clock (replays), and
answers 2xx once it has the message, also for a key it has seen before
(that is what the idempotency key is for: a retry after a lost reply).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import Any

from govbiz.clock import Clock, SystemClock
from govbiz.errors import ValidationError
from govbiz.ports.channel import DeliveryError, Notification
from govbiz_webhook.signing import body_signature, epoch_seconds
from govbiz_webhook.transport import check_url, mask_url, post_json

__all__ = ["IDEMPOTENCY_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "JsonWebhookChannel"]

SIGNATURE_HEADER = "X-Govbiz-Signature"
TIMESTAMP_HEADER = "X-Govbiz-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class JsonWebhookChannel:
    """Posts each notification as signed JSON to one URL (通用 webhook).

    `secret` signs every request (required: an unsigned notification could
    be forged by anyone who finds the URL).  `headers` adds fixed headers
    (an `Authorization` for the receiver's gateway, say); they are not shown
    in `repr`.  HTTP 2xx is success; 408, 429 and 5xx are temporary; any
    other status is permanent.
    """

    def __init__(
        self,
        url: str,
        *,
        secret: str,
        name: str = "webhook",
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not secret:
            raise ValidationError("secret", "", "a webhook is always signed: give it a secret")
        if timeout <= 0:
            raise ValidationError("timeout", timeout, "must be positive: a channel must never hang")
        self.url = check_url(url, "url")
        self._secret = secret
        self._name = name
        self.timeout = timeout
        self._headers = dict(headers or {})
        self._clock: Clock = clock or SystemClock()
        self._ssl_context = ssl_context

    @property
    def name(self) -> str:
        """The channel's name in routing rules (`webhook` unless configured otherwise)."""
        return self._name

    def __repr__(self) -> str:
        headers = sorted(self._headers)
        return (
            f"JsonWebhookChannel(name={self._name!r}, url={mask_url(self.url)!r}, secret='***', "
            f"headers={headers!r}, timeout={self.timeout})"
        )

    def payload(self, notification: Notification, timestamp: int) -> dict[str, Any]:
        """The JSON object posted for `notification`."""
        return {
            "key": notification.key,
            "channel": notification.channel,
            "recipients": list(notification.recipients),
            "subject": notification.subject,
            "body": notification.body,
            "data": dict(notification.data),
            "timestamp": timestamp,
        }

    def deliver(self, notification: Notification) -> None:
        """Post `notification`; raise `DeliveryError` unless the receiver answers 2xx."""
        timestamp = epoch_seconds(self._clock.now())
        body = json.dumps(self.payload(notification, timestamp), ensure_ascii=False).encode("utf-8")
        headers = {
            **self._headers,
            IDEMPOTENCY_HEADER: notification.key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: body_signature(self._secret, body),
        }
        if not notification.key.isascii():
            # HTTP headers are Latin-1 at best; a key that is not ASCII would be garbled.
            raise DeliveryError(self._name, f"key {notification.key!r} is not ASCII", permanent=True)
        post_json(
            self.url,
            body,
            channel=self._name,
            timeout=self.timeout,
            headers=headers,
            ssl_context=self._ssl_context,
        )
