"""API tokens (接口令牌): who is calling, as a govbiz `Actor`.

A token is issued once (`govbiz token create`) and printed once: its text
is `gbz_<id>_<secret>`.  The database keeps the id, a random salt and the
SHA-256 of salt and secret, never the secret itself.  A salted SHA-256 is
enough here, unlike for passwords: the secret is 256 random bits, so there
is nothing to guess, and a slow hash would cost every request.

The token maps to the `Actor` it was issued for (role, county, department,
enterprise); the library's rules then decide every request, as they decide
every Python call.

A request's token is looked up and counted against its rate limit
(`govbiz_api.limits`) together: on PostgreSQL, once a token has been seen,
in one statement (`TokenStore.authenticate` with `counting`).
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from govbiz.domain.actors import Actor, Role
from govbiz.errors import GovbizError, NotFoundError
from govbiz_api.limits import Limiter, SharedRateLimiter
from govbiz_api.status import TooManyAttemptsError
from govbiz_api.tables import RATE_LIMITS, TOKENS, ApiDatabase, instant_text

__all__ = ["PREFIX", "ApiToken", "IssuedToken", "TokenRefusedError", "TokenStore"]

#: Every token's text starts with this, so a leaked one is easy to recognise (and to scan for).
PREFIX = "gbz_"


class TokenRefusedError(GovbizError):
    """The request's token is missing, unknown, revoked or expired (令牌无效); HTTP 401.

    `reason` is one of `"missing"`, `"malformed"`, `"unknown"`,
    `"revoked"`, `"expired"`; for a JWT also `"invalid"` and `"unmapped_role"`
    (its role claim names no govbiz role, through the `[roles]` table if any).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"API token refused: {reason}")


@attrs.frozen(slots=True)
class ApiToken:
    """A stored token without its secret: whom it stands for, and until when.

    `expires_at` is `None` for a token that does not expire;
    `revoked_at` is set once it is revoked (吊销).
    """

    id: str
    actor: Actor
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> str:
        """`"active"`, `"revoked"` or `"expired"` at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"

    def as_json(self, now: datetime) -> dict[str, object]:
        """The token as `govbiz token list --json` prints it (no secret: there is none to print)."""
        return {
            "id": self.id,
            "actor_id": self.actor.id,
            "role": self.actor.role.value,
            "county": self.actor.county,
            "department": self.actor.department,
            "enterprise": self.actor.enterprise,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "status": self.status(now),
        }


@attrs.frozen(slots=True)
class IssuedToken:
    """A token just created: `text` is shown this once and never stored."""

    token: ApiToken
    text: str = attrs.field(repr=False)


class TokenStore:
    """The tokens of one ledger database (`ApiDatabase`)."""

    def __init__(self, database: ApiDatabase) -> None:
        self._db = database
        # The salts of tokens that authenticated here (a salt never changes): with it the digest is
        # computed before the query, so the database can check it and count the request at once.
        self._salts: dict[str, str] = {}

    def create(self, actor: Actor, *, now: datetime, expires_in: timedelta | None = None) -> IssuedToken:
        """Issue a token acting as `actor`, valid from `now` (for `expires_in`, or until revoked)."""
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        token = ApiToken(
            id=token_id,
            actor=actor,
            created_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
        )
        with self._db.writing() as conn:
            conn.execute(
                TOKENS.insert().values(
                    id=token_id,
                    salt=salt,
                    digest=_digest(salt, secret),
                    actor_id=actor.id,
                    role=actor.role.value,
                    county=actor.county,
                    department=actor.department,
                    enterprise=actor.enterprise,
                    created_at=instant_text(now),
                    expires_at=instant_text(token.expires_at) if token.expires_at else None,
                    revoked_at=None,
                )
            )
        return IssuedToken(token=token, text=f"{PREFIX}{token_id}_{secret}")

    def list(self) -> list[ApiToken]:
        """Every token, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(TOKENS).order_by(TOKENS.c.created_at, TOKENS.c.id)).all()
        return [_token(row) for row in rows]

    def get(self, token_id: str) -> ApiToken:
        """The token `token_id`; `NotFoundError` if there is none."""
        with self._db.reading() as conn:
            row = conn.execute(sa.select(TOKENS).where(TOKENS.c.id == token_id)).one_or_none()
        if row is None:
            raise NotFoundError("token", token_id)
        return _token(row)

    def revoke(self, token_id: str, *, now: datetime) -> ApiToken:
        """Revoke `token_id` from `now` on (a token revoked already keeps its first instant)."""
        with self._db.writing() as conn:
            conn.execute(
                TOKENS.update()
                .where(TOKENS.c.id == token_id, TOKENS.c.revoked_at.is_(None))
                .values(revoked_at=instant_text(now))
            )
        return self.get(token_id)

    def authenticate(self, text: str | None, *, now: datetime, counting: Limiter | None = None) -> ApiToken:
        """The active token whose text is `text`, or `TokenRefusedError` saying why not.

        With `counting`, the request is also counted against that limit
        (`TooManyAttemptsError` past it), and only once the token is known to
        be good, so made-up tokens never add rows.  Where `counting` keeps its
        counts on PostgreSQL, a token seen before here is checked and counted
        by one statement: one round trip a request instead of two.  Revoking
        still takes effect on the very next request, because the row is read
        every time.
        """
        if not text:
            raise TokenRefusedError("missing")
        token_id, secret = _parts(text)
        salt = self._salts.get(token_id)
        if salt is not None and counting is not None and self._counts_in_one_statement(counting):
            return self._checked_and_counted(token_id, _digest(salt, secret), now, counting)
        found = self._db.first_row(_BY_ID, {"id": token_id})
        row = None if found is None else _TokenRow(*found)
        # Compared in constant time, and an unknown id costs the same hash as a wrong secret.
        salt, digest = (row.salt, row.digest) if row is not None else ("0" * 32, "")
        if not hmac.compare_digest(_digest(salt, secret), digest) or row is None:
            raise TokenRefusedError("unknown")
        token = _active(row, now)
        if len(self._salts) >= _SALTS_KEPT:  # bounded: a busy server forgets and re-reads
            self._salts.clear()
        self._salts[token_id] = row.salt
        if counting is not None:
            counting.hit(token.id, now)
        return token

    def _counts_in_one_statement(self, counting: Limiter) -> bool:
        return (
            isinstance(counting, SharedRateLimiter)
            and counting.limit.requests > 0
            and self._db.dialect_name == "postgresql"
        )

    def _checked_and_counted(self, token_id: str, digest: str, now: datetime, counting: Limiter) -> ApiToken:
        """The token `token_id` if `digest` is its own, its request counted in the same statement."""
        assert isinstance(counting, SharedRateLimiter)
        start, retry_after = counting.window(now)
        values = {"id": token_id, "digest": digest, "now": instant_text(now),
                  "scope": counting.scope, "start": start}  # fmt: skip
        found = self._db.one_statement_row(_COUNTED_BY_DIGEST, values)
        if found is None:  # no such token, or another secret: the database compared the digests
            raise TokenRefusedError("unknown")
        *columns, count = found
        token = _active(_TokenRow(*columns), now)  # a revoked or expired token was not counted
        if count > counting.limit.requests:
            raise TooManyAttemptsError(retry_after)
        return token


def _active(row: Any, now: datetime) -> ApiToken:
    token = _token(row)
    status = token.status(now)
    if status != "active":
        raise TokenRefusedError(status)
    return token


#: How many tokens' salts a process keeps (`TokenStore._salts`).
_SALTS_KEPT = 10_000


#: A token by its id: the lookup every request makes (built once, so compiled once).
_BY_ID = sa.select(TOKENS).where(TOKENS.c.id == sa.bindparam("id"))


def _counted_by_digest() -> sa.Select[Any]:
    """The token with `id` and `digest`, and its request counted if it is active: one statement.

    A data-modifying ``WITH`` runs once whether or not the outer query reads
    it (PostgreSQL); its upsert is `govbiz_api.limits`' per-window count.
    The last column is the window's count, ``NULL`` when nothing was counted.
    """
    token = sa.select(TOKENS).where(
        TOKENS.c.id == sa.bindparam("id"), TOKENS.c.digest == sa.bindparam("digest")
    ).cte("token")
    start = sa.bindparam("start", type_=sa.BigInteger)
    active = sa.select(sa.bindparam("scope"), token.c.id, start, sa.literal(1)).where(
        token.c.revoked_at.is_(None),
        sa.or_(token.c.expires_at.is_(None), token.c.expires_at > sa.bindparam("now")),
    )
    c = RATE_LIMITS.c
    new = postgresql.insert(RATE_LIMITS).from_select(["scope", "key", "window_start", "count"], active)
    counted = new.on_conflict_do_update(
        index_elements=[c.scope, c.key],
        set_={
            "count": sa.case((c.window_start == new.excluded.window_start, c.count + 1), else_=1),
            "window_start": new.excluded.window_start,
        },
    ).returning(c.count).cte("counted")
    return sa.select(*token.c, sa.select(counted.c.count).scalar_subquery()).select_from(token)


_COUNTED_BY_DIGEST = _counted_by_digest()
#: A row of `TOKENS` by column name, as `ApiDatabase.first_row` returns it by position.
_TokenRow = collections.namedtuple("_TokenRow", [column.name for column in TOKENS.columns])  # type: ignore[misc]


def _parts(text: str) -> tuple[str, str]:
    if not text.startswith(PREFIX):
        raise TokenRefusedError("malformed")
    token_id, sep, secret = text[len(PREFIX) :].partition("_")
    if not sep or not token_id or not secret:
        raise TokenRefusedError("malformed")
    return token_id, secret


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def _token(row: sa.Row[Any]) -> ApiToken:
    return ApiToken(
        id=str(row.id),
        actor=Actor(
            id=str(row.actor_id),
            role=Role(str(row.role)),
            county=str(row.county),
            department=_text(row.department),
            enterprise=_text(row.enterprise),
        ),
        created_at=datetime.fromisoformat(str(row.created_at)),
        expires_at=_instant(row.expires_at),
        revoked_at=_instant(row.revoked_at),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _instant(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))
