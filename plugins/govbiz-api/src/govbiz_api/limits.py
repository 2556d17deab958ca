"""Request rate limits (限流): per token on the API, per client address on the public lookup.

A sliding window per key, kept in the process: with `--workers N` each
process counts on its own, so the limit a caller meets is N times the
configured one (the wrong-code limit of the status lookup is kept in the
database instead, because it protects the codes; see `govbiz_api.status`).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

import attrs

from govbiz_api.status import TooManyAttemptsError

__all__ = ["PER_CLIENT", "PER_TOKEN", "RateLimit", "RateLimiter"]


@attrs.frozen
class RateLimit:
    """At most `requests` per `window` for one key; `requests=0` turns the limit off."""

    requests: int
    window: timedelta = timedelta(minutes=1)


#: The default limits: a token's requests, and an address's public status lookups, per process.
PER_TOKEN = RateLimit(600)
PER_CLIENT = RateLimit(60)


class RateLimiter:
    """Counts requests per key in a sliding window; `hit` refuses one past the limit."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: datetime) -> None:
        """Count a request of `key` at `now`; `TooManyAttemptsError` (429) when over the limit."""
        if self.limit.requests <= 0:
            return
        start = now - self.limit.window
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= start:
                seen.popleft()
            if len(seen) >= self.limit.requests:
                wait = (seen[0] - start).total_seconds()
                raise TooManyAttemptsError(max(1, math.ceil(wait)))
            seen.append(now)
            if len(self._seen) > 100_000:  # forget keys that went quiet, so memory stays bounded
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > start}
