"""The outbox port, where plugins have always imported it: see `govbiz.ports.outbox`."""

from govbiz.ports.outbox import (
    Outbox,
    OutboxEntry,
    OutboxStatus,
)

__all__ = [
    "Outbox",
    "OutboxEntry",
    "OutboxStatus",
]
