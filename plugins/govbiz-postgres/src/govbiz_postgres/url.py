"""PostgreSQL URLs (连接串): which forms govbiz accepts and how they reach psycopg.

| URL | meaning |
| --- | --- |
| `postgresql://user@host:5432/dbname` | the psycopg 3 driver |
| `postgresql+psycopg://user@host/dbname` | the same, driver spelled out |
| `...?options=-csearch_path%3Dyongding` | tables in schema `yongding` (each connection's search path) |

Query parameters go to psycopg as connection parameters (`sslmode`,
`connect_timeout`, `application_name`, `options` ...).  Other drivers
(`postgresql+psycopg2://`, `+asyncpg`) are refused: govbiz is tested on
psycopg 3 only.
"""

from __future__ import annotations

import attrs
import sqlalchemy as sa

from govbiz.errors import ValidationError

__all__ = ["SCHEMES", "PostgresLocation", "handles", "parse_postgres_url"]

#: URL schemes this plugin answers.
SCHEMES = ("postgresql", "postgresql+psycopg")
_FORMS = "postgresql://user@host:5432/dbname or postgresql+psycopg://user@host/dbname"


@attrs.frozen(slots=True)
class PostgresLocation:
    """A parsed PostgreSQL URL: what to connect to and how to name it in messages."""

    url: str
    engine_url: sa.URL

    @property
    def name(self) -> str:
        """The URL without its password, for error messages and logs."""
        return self.engine_url.render_as_string(hide_password=True).replace("+psycopg", "", 1)


def handles(url: str) -> bool:
    """True if `url` has one of this plugin's schemes (valid or not)."""
    scheme = url.partition(":")[0]
    return scheme in SCHEMES or scheme == "postgres" or scheme.startswith("postgresql+")


def parse_postgres_url(url: str) -> PostgresLocation:
    """Read a PostgreSQL URL; a form govbiz cannot use raises `ValidationError` on `url`."""
    scheme = url.partition(":")[0]
    if scheme not in SCHEMES:
        raise ValidationError("url", url, f"not a PostgreSQL URL govbiz can use; use {_FORMS}")
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as error:
        raise ValidationError("url", url, f"cannot read the URL ({error}); use {_FORMS}") from error
    if not parsed.database:
        raise ValidationError("url", url, f"the URL names no database; use {_FORMS}")
    return PostgresLocation(url, parsed.set(drivername="postgresql+psycopg"))
