"""The SMS channel: one notification, one POST to the gateway."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from govbiz.domain.enterprise import mask_phone
from govbiz.notify import DeliveryError, Notification
from govbiz_sms_example.message import normalize_phone, sms_text

__all__ = ["SmsChannel"]

# Gateway codes that mean "later": everything else that is not OK is final.
_RETRY_CODES = frozenset({"RATE_LIMITED", "BUSY"})


class SmsChannel:
    """Sends notifications as SMS (短信) through an HTTP gateway.

    `recipients` are mainland mobile numbers.  `signature` is the sender
    signature registered with the carriers (短信签名), put in front of every
    text.  `max_segments` caps what one notification costs.
    """

    def __init__(
        self,
        gateway: str,
        api_key: str,
        *,
        signature: str = "【政企面对面】",
        max_segments: int = 3,
        timeout: float = 5.0,
        name: str = "sms",
    ) -> None:
        self.name = name
        self.gateway = gateway.rstrip("/")
        self._api_key = api_key
        self.signature = signature
        self.max_segments = max_segments
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmsChannel(name={self.name!r}, gateway={self.gateway!r}, api_key='***')"

    def deliver(self, notification: Notification) -> None:
        """Send `notification`; raise `DeliveryError` unless the gateway took every number."""
        phones = self._phones(notification)
        text = sms_text(
            self.signature, notification.subject, notification.body, max_segments=self.max_segments
        )
        reply = self._post({"phone_numbers": phones, "content": text, "client_ref": notification.key})
        code = reply.get("code")
        if code in _RETRY_CODES:
            raise DeliveryError(self.name, f"gateway says {code}", permanent=False)
        if code != "OK":
            raise DeliveryError(self.name, f"gateway says {code}: {reply.get('message')}", permanent=True)
        rejected = [r for r in reply.get("results", []) if r.get("status") != "accepted"]
        if rejected:
            # Numbers are personal data: the error goes to logs and `govbiz outbox list`, masked.
            numbers = ", ".join(f"{mask_phone(str(r.get('phone')))} ({r.get('reason')})" for r in rejected)
            raise DeliveryError(self.name, f"gateway rejected {numbers}", permanent=True)

    def _phones(self, notification: Notification) -> list[str]:
        phones = [normalize_phone(r) for r in notification.recipients]
        bad = [r for r, p in zip(notification.recipients, phones, strict=True) if p is None]
        if bad or not phones:
            masked = ", ".join(mask_phone(r) for r in bad)
            reason = f"not mainland mobile numbers: {masked}" if bad else "no recipient"
            raise DeliveryError(self.name, reason, permanent=True)
        return [p for p in phones if p is not None]

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.gateway}/v1/sms/send",
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self._api_key}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = json.loads(response.read(65536))
        except urllib.error.HTTPError as exc:
            exc.close()
            # 429 and 5xx may pass; 401 (a wrong key) and other 4xx will not.
            retry = exc.code == 429 or exc.code >= 500
            raise DeliveryError(self.name, f"gateway answered HTTP {exc.code}", permanent=not retry) from exc
        except (OSError, ValueError) as exc:  # timeout, refused connection, a reply that is not JSON
            raise DeliveryError(self.name, f"gateway unreachable: {exc}", permanent=False) from exc
        return reply if isinstance(reply, dict) else {}
