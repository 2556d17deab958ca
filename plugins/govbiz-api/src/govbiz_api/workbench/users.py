"""Workbench users (工作台用户): a login and password for an `Actor`.

`govbiz user create` makes one; the password is kept only as an Argon2id
hash (argon2-cffi's defaults, RFC 9106's second recommended profile).  The
user's `Actor` (role, county, department) is what every page asks the
ledger with, so the library's rules decide what the user sees and may do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from govbiz.domain.actors import Actor, Role
from govbiz.errors import GovbizError, NotFoundError, ValidationError
from govbiz_api.tables import ApiDatabase, instant_text
from govbiz_api.workbench.tables import USERS, create_tables

__all__ = ["EXTERNAL", "MIN_PASSWORD", "SignInRefusedError", "User", "UserStore"]

#: The password "hash" of a user who signs in through the county's provider: no password matches it.
EXTERNAL = "!oidc"
#: The shortest password accepted (characters).
MIN_PASSWORD = 10

_HASHER = PasswordHasher()
# Verified against when the login is unknown, so an unknown login costs the same as a wrong password.
_DUMMY_HASH = _HASHER.hash("govbiz-workbench-no-such-user")


class SignInRefusedError(GovbizError):
    """The login and password do not match an active user (登录失败); the same for an unknown login."""

    def __init__(self) -> None:
        super().__init__("wrong login or password")


@attrs.frozen(slots=True)
class User:
    """A user of the workbench: `login`, the `actor` it acts as, when made, and whether disabled."""

    login: str
    actor: Actor
    created_at: datetime
    disabled_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        """The user as `govbiz user list --json` prints it (no hash)."""
        return {
            "login": self.login,
            "actor_id": self.actor.id,
            "name": self.actor.name,
            "role": self.actor.role.value,
            "county": self.actor.county,
            "department": self.actor.department,
            "enterprise": self.actor.enterprise,
            "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


class UserStore:
    """The workbench users of one ledger database."""

    def __init__(self, database: ApiDatabase) -> None:
        self._db = database
        create_tables(database)

    def create(self, login: str, actor: Actor, password: str, *, now: datetime) -> User:
        """Add `login` acting as `actor`; `ValidationError` for a taken login or a short password."""
        login = login.strip()
        if not login or len(login) > 100 or any(ch.isspace() for ch in login):
            raise ValidationError("login", login, "use 1 to 100 characters without spaces")
        if len(password) < MIN_PASSWORD:
            raise ValidationError("password", "***", f"use at least {MIN_PASSWORD} characters")
        with self._db.writing() as conn:
            taken = conn.execute(sa.select(USERS.c.login).where(USERS.c.login == login)).first()
            if taken is not None:
                raise ValidationError("login", login, "is taken already")
            conn.execute(
                USERS.insert().values(
                    login=login, password_hash=_HASHER.hash(password), actor_id=actor.id, name=actor.name,
                    role=actor.role.value, county=actor.county, department=actor.department,
                    enterprise=actor.enterprise, created_at=instant_text(now), disabled_at=None,
                )
            )  # fmt: skip
        return User(login=login, actor=actor, created_at=now)

    def sync_external(self, login: str, actor: Actor, *, now: datetime) -> User:
        """The user `login` signed in elsewhere (统一身份认证), made or brought up to date as `actor`.

        No password opens it (its hash is not a hash); a disabled one stays
        disabled: `SignInRefusedError`.
        """
        values = {
            "actor_id": actor.id, "name": actor.name, "role": actor.role.value, "county": actor.county,
            "department": actor.department, "enterprise": actor.enterprise,
        }  # fmt: skip
        with self._db.writing() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.login == login)).one_or_none()
            if row is None:
                conn.execute(
                    USERS.insert().values(
                        login=login, password_hash=EXTERNAL, created_at=instant_text(now), disabled_at=None,
                        **values,
                    )
                )  # fmt: skip
            elif row.disabled_at is not None:
                raise SignInRefusedError()
            else:
                conn.execute(USERS.update().where(USERS.c.login == login).values(**values))
        return self.get(login)

    def get(self, login: str) -> User:
        """The user `login`; `NotFoundError` if there is none."""
        with self._db.reading() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.login == login)).one_or_none()
        if row is None:
            raise NotFoundError("user", login)
        return _user(row)

    def list(self) -> list[User]:
        """Every user, by login."""
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(USERS).order_by(USERS.c.login)).all()
        return [_user(row) for row in rows]

    def disable(self, login: str, *, now: datetime) -> User:
        """Disable `login` from `now` on: it can no longer sign in (its sessions end too)."""
        with self._db.writing() as conn:
            conn.execute(
                USERS.update()
                .where(USERS.c.login == login, USERS.c.disabled_at.is_(None))
                .values(disabled_at=instant_text(now))
            )
        return self.get(login)

    def authenticate(self, login: str, password: str) -> User:
        """The active user `login` if `password` is its password, else `SignInRefusedError`."""
        with self._db.reading() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.login == login.strip())).one_or_none()
        try:
            _HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            raise SignInRefusedError() from None
        if row is None or row.disabled_at is not None:
            raise SignInRefusedError()
        if _HASHER.check_needs_rehash(row.password_hash):  # cost parameters raised since: store anew
            with self._db.writing() as conn:
                conn.execute(
                    USERS.update()
                    .where(USERS.c.login == row.login)
                    .values(password_hash=_HASHER.hash(password))
                )
        return _user(row)


def _user(row: sa.Row[Any]) -> User:
    return User(
        login=str(row.login),
        actor=Actor(
            id=str(row.actor_id), role=Role(str(row.role)), county=str(row.county), name=str(row.name or ""),
            department=None if row.department is None else str(row.department),
            enterprise=None if row.enterprise is None else str(row.enterprise),
        ),
        created_at=datetime.fromisoformat(str(row.created_at)),
        disabled_at=None if row.disabled_at is None else datetime.fromisoformat(str(row.disabled_at)),
    )  # fmt: skip
