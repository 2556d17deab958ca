"""Notification channels (通知渠道): the port a messaging plugin implements.

A channel delivers one `Notification` at a time.  It raises
`DeliveryError` with `permanent=True` when retrying cannot help (a
rejected address, a 5xx reply) and `permanent=False` when it may (a
timeout, a 4xx or rate-limit reply); the dispatcher retries or
dead-letters accordingly.  Channels are registered through the
`govbiz_notification_channels` hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from govbiz.domain.enterprise import mask_address
from govbiz.errors import GovbizError

__all__ = ["DeliveryError", "Notification", "NotificationChannel"]


@attrs.frozen(slots=True, repr=False)
class Notification:
    """One message to deliver (通知).

    `key` is its idempotency key: delivering the same key twice must not
    send twice.  `recipients` are addresses in the channel's own terms
    (email addresses, robot webhook names, phone numbers).  `data` carries
    the facts the message is about (problem id, deadline ...) for channels
    that format their own message.  Its `repr` (what a channel's log line
    or a traceback shows) masks phone numbers and e-mail addresses among
    the recipients.
    """

    key: str
    channel: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    data: Mapping[str, str] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        recipients = tuple(mask_address(r) for r in self.recipients)
        return (
            f"Notification(key={self.key!r}, channel={self.channel!r}, recipients={recipients!r}, "
            f"subject={self.subject!r}, body={self.body!r}, data={dict(self.data)!r})"
        )


class DeliveryError(GovbizError):
    """A channel could not deliver a notification.

    `permanent` says whether retrying can help.
    """

    def __init__(self, channel: str, reason: str, *, permanent: bool) -> None:
        self.channel = channel
        self.reason = reason
        self.permanent = permanent
        kind = "permanent" if permanent else "temporary"
        super().__init__(f"channel {channel!r} could not deliver ({kind}): {reason}")


@runtime_checkable
class NotificationChannel(Protocol):
    """What a notification channel provides."""

    @property
    def name(self) -> str:
        """The channel's unique name, used in routing rules (e.g. `"email"`)."""
        ...

    def deliver(self, notification: Notification) -> None:
        """Deliver `notification` or raise `DeliveryError`; must time out, never hang."""
        ...
