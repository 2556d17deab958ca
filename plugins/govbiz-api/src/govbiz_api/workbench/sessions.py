"""Sign-in sessions (登录会话): the browser's cookie, its CSRF token, and the idle timeout.

Signing in gives the browser a cookie holding a random secret (256 bits);
the database keeps only its SHA-256 (like the API's tokens, the secret is
random, so a fast hash is enough), the login, a CSRF token for the forms,
and when the session was last used.  A session unused for longer than the
idle timeout is over: the next request signs in again.  Kept in the
database, a session holds across every `govbiz serve` worker.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import attrs
import sqlalchemy as sa

from govbiz_api.tables import ApiDatabase, instant_text
from govbiz_api.workbench.tables import SESSIONS, create_tables

__all__ = ["IDLE_TIMEOUT", "SessionStore", "WebSession", "same_token"]

#: A session unused this long is over (空闲超时).
IDLE_TIMEOUT = timedelta(minutes=30)
# `seen_at` is written at most this often, so reading pages does not write on every request.
_TOUCH_EVERY = timedelta(minutes=1)


@attrs.frozen(slots=True)
class WebSession:
    """A signed-in browser: whose it is and the CSRF token its forms carry."""

    login: str
    csrf: str = attrs.field(repr=False)
    seen_at: datetime


def same_token(given: str | None, expected: str) -> bool:
    """Whether a form's CSRF token is `expected`, compared in constant time."""
    return bool(given) and hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


class SessionStore:
    """The sign-in sessions of one ledger database."""

    def __init__(self, database: ApiDatabase, idle_timeout: timedelta = IDLE_TIMEOUT) -> None:
        self._db = database
        self.idle_timeout = idle_timeout
        create_tables(database)

    def open(self, login: str, *, now: datetime) -> tuple[str, WebSession]:
        """A new session for `login`: the cookie's text (shown to the browser only) and the session."""
        secret = secrets.token_urlsafe(32)
        session = WebSession(login=login, csrf=secrets.token_urlsafe(32), seen_at=now)
        with self._db.writing() as conn:
            conn.execute(SESSIONS.delete().where(SESSIONS.c.seen_at < instant_text(now - self.idle_timeout)))
            conn.execute(
                SESSIONS.insert().values(
                    digest=_digest(secret), login=login, csrf=session.csrf,
                    created_at=instant_text(now), seen_at=instant_text(now),
                )
            )  # fmt: skip
        return secret, session

    def find(self, secret: str | None, *, now: datetime) -> WebSession | None:
        """The live session of the cookie `secret` (its use noted), or `None`: none, or idle too long."""
        if not secret:
            return None
        digest = _digest(secret)
        with self._db.reading() as conn:
            row = conn.execute(sa.select(SESSIONS).where(SESSIONS.c.digest == digest)).one_or_none()
        if row is None:
            return None
        seen = datetime.fromisoformat(str(row.seen_at))
        if now - seen > self.idle_timeout:
            self.close(secret)
            return None
        if now - seen >= _TOUCH_EVERY:
            with self._db.writing() as conn:
                conn.execute(
                    SESSIONS.update().where(SESSIONS.c.digest == digest).values(seen_at=instant_text(now))
                )
            seen = now
        return WebSession(login=str(row.login), csrf=str(row.csrf), seen_at=seen)

    def close(self, secret: str) -> None:
        """End the session of the cookie `secret` (登出)."""
        with self._db.writing() as conn:
            conn.execute(SESSIONS.delete().where(SESSIONS.c.digest == _digest(secret)))

    def close_all(self, login: str) -> None:
        """End every session of `login` (a disabled user)."""
        with self._db.writing() as conn:
            conn.execute(SESSIONS.delete().where(SESSIONS.c.login == login))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
