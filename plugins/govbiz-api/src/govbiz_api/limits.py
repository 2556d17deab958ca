"""Request rate limits (限流): per token on the API, per client address on the public lookup.

Two ways to count, with the same `hit`:

* `RateLimiter`: a sliding window per key, in the process.  Right for one
  process: it costs no query.
* `SharedRateLimiter`: a fixed window per key in the ledger's database
  (table `govbiz_api_rate_limits`), counted by one atomic upsert per
  request, so every `govbiz serve` process on the database counts against
  the same limit.  `create_app` uses it when several processes may serve one
  database: on PostgreSQL, and with `govbiz serve --workers N` (N > 1).  A
  fixed window lets a burst of up to twice the limit straddle two windows;
  that is the price of one row and one statement per request.

(The wrong-code limit of the status lookup is always kept in the database,
because it protects the codes; see `govbiz_api.status`.)
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from govbiz.errors import ValidationError
from govbiz_api.status import TooManyAttemptsError
from govbiz_api.tables import RATE_LIMITS, ApiDatabase

__all__ = [
    "CLIENT_RATE_ENV", "PER_CLIENT", "PER_TOKEN", "TOKEN_RATE_ENV", "Limiter", "RateLimit", "RateLimiter",
    "SharedRateLimiter", "limit_from_environment",
]  # fmt: skip


@attrs.frozen
class RateLimit:
    """At most `requests` per `window` for one key; `requests=0` turns the limit off."""

    requests: int
    window: timedelta = timedelta(minutes=1)


#: The default limits: a token's requests, and an address's public status lookups, a minute.
PER_TOKEN = RateLimit(600)
PER_CLIENT = RateLimit(60)

#: A token's requests a minute (`govbiz serve --token-rate N`); 0 turns the limit off.
TOKEN_RATE_ENV = "GOVBIZ_API_TOKEN_RATE"
#: A client address's public status lookups a minute (`govbiz serve --client-rate N`); 0 turns it off.
CLIENT_RATE_ENV = "GOVBIZ_API_CLIENT_RATE"


def limit_from_environment(variable: str, default: RateLimit) -> RateLimit:
    """The limit of `$variable` (requests a minute, 0 for none), else `default`.

    A county system that sends all its calls with one token needs more than
    the default 600 a minute; `govbiz serve` sets these for its worker
    processes from its options.
    """
    given = os.environ.get(variable, "").strip()
    if not given:
        return default
    if not given.isdigit() or int(given) > 1_000_000:
        raise ValidationError(variable, given, "is requests a minute: a whole number, 0 (none) to 1000000")
    return RateLimit(int(given))


class Limiter(Protocol):
    """What the routes ask of a rate limit."""

    limit: RateLimit

    def hit(self, key: str, now: datetime) -> None:
        """Count a request of `key` at `now`; `TooManyAttemptsError` (429) when over the limit."""
        ...


class RateLimiter:
    """Counts requests per key in a sliding window, in this process; `hit` refuses one past the limit."""

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


class SharedRateLimiter:
    """Counts requests per key in fixed windows in the API's database: one limit for all processes.

    `scope` tells the limits apart in the one table ("token", "client").
    Each `hit` is one statement: an upsert that starts the key's window
    afresh when the stored one has passed, else adds one, and returns the
    count.
    """

    def __init__(self, limit: RateLimit, database: ApiDatabase, scope: str) -> None:
        self.limit = limit
        self.scope = scope
        self._db = database
        self._seconds = max(1, int(limit.window.total_seconds()))

    def window(self, now: datetime) -> tuple[int, int]:
        """The window `now` falls in: its first second (Unix time), and the seconds until it ends (≥ 1)."""
        moment = int(now.timestamp())
        start = moment - moment % self._seconds
        return start, max(1, start + self._seconds - moment)

    def hit(self, key: str, now: datetime) -> None:
        """Count a request of `key` at `now`; `TooManyAttemptsError` (429) when over the limit."""
        if self.limit.requests <= 0:
            return
        start, retry_after = self.window(now)
        values = {"scope": self.scope, "key": key[:200], "start": start}
        row = self._db.one_statement_row(self._upsert(self._db.dialect_name), values)  # one round trip
        assert row is not None  # an upsert with RETURNING always gives its row
        if row[0] > self.limit.requests:
            raise TooManyAttemptsError(retry_after)

    def _upsert(self, dialect: str) -> sa.Executable:
        statement = _UPSERTS.get(dialect)
        if statement is None:
            raise NotImplementedError(f"shared rate limits need PostgreSQL or SQLite, not {dialect}")
        return statement


def _upsert(insert: Callable[[sa.Table], postgresql.Insert | sqlite.Insert]) -> sa.Executable:
    """INSERT the key's first request, or count one more in its window, or start a new window."""
    c = RATE_LIMITS.c
    new = insert(RATE_LIMITS).values(
        scope=sa.bindparam("scope"), key=sa.bindparam("key"), window_start=sa.bindparam("start"), count=1
    )
    same_window = c.window_start == new.excluded.window_start
    return new.on_conflict_do_update(
        index_elements=[c.scope, c.key],
        set_={
            "count": sa.case((same_window, c.count + 1), else_=1),
            "window_start": new.excluded.window_start,
        },
    ).returning(c.count)


_UPSERTS: dict[str, sa.Executable] = {
    "postgresql": _upsert(postgresql.insert),
    "sqlite": _upsert(sqlite.insert),
}
