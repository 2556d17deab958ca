"""The signatures each platform checks, as pure functions (tested against published vectors).

* DingTalk (钉钉加签): `base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))`,
  `timestamp` in milliseconds; sent URL-encoded in the `timestamp` and
  `sign` query parameters.  DingTalk refuses a timestamp more than an hour
  from its own clock.
* Feishu (飞书签名校验): `base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`,
  `timestamp` in seconds; sent in the JSON body as `timestamp` and `sign`.
  Note the key is the string to sign and the message is empty: the reverse
  of DingTalk.
* The generic webhook: `"sha256=" + hex(HMAC-SHA256(key=secret, msg=raw_body))`
  in `X-Govbiz-Signature`.  The body carries the same `timestamp` as the
  `X-Govbiz-Timestamp` header, so the signature covers it too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

__all__ = [
    "SIGNATURE_PREFIX",
    "body_signature",
    "dingtalk_sign",
    "epoch_milliseconds",
    "epoch_seconds",
    "feishu_sign",
    "verify_body_signature",
]

SIGNATURE_PREFIX = "sha256="


def epoch_milliseconds(instant: datetime) -> int:
    """Milliseconds since 1970 (DingTalk's timestamp), exact to the millisecond."""
    return epoch_seconds(instant) * 1000 + instant.microsecond // 1000


def epoch_seconds(instant: datetime) -> int:
    """Whole seconds since 1970 (Feishu's and the generic webhook's timestamp)."""
    return int(instant.timestamp())


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's `sign`, before URL encoding: base64 of HMAC-SHA256(secret, "ts\\nsecret")."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(timestamp_s: int, secret: str) -> str:
    """Feishu's `sign`: base64 of HMAC-SHA256 keyed with "ts\\nsecret" over an empty message."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def body_signature(secret: str, body: bytes) -> str:
    """The generic webhook's `X-Govbiz-Signature`: `sha256=` and the hex HMAC of the raw body."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_body_signature(secret: str, body: bytes, header: str) -> bool:
    """For receivers: does `header` sign `body` with `secret`?  Compared in constant time."""
    return hmac.compare_digest(body_signature(secret, body), header.strip())
