"""Options every `govbiz` subcommand spells the same way, opening a ledger, and error reporting."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from govbiz.errors import GovbizError

if TYPE_CHECKING:
    from govbiz.ledger import Ledger

__all__ = [
    "as_of_instant",
    "as_of_option",
    "county_option",
    "county_type",
    "db_option",
    "division_code_callback",
    "echo_json",
    "govbiz_errors",
    "json_option",
    "open_existing",
]

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db",
    metavar="URL",
    envvar="GOVBIZ_DB",
    default=None,
    help="Storage URL (sqlite:///ledger.db, postgresql://..., memory://); default $GOVBIZ_DB or sqlite:///govbiz.db.",
)


def division_code_callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Check `--county` (one code, several, or none) with the domain's division-code rule.

    Every command spells a county the same way, so `--county 12345` is a
    usage error (exit status 2) everywhere, not a county with no records.
    """
    from govbiz.domain.tenancy import validate_division_code

    codes = value if isinstance(value, tuple) else (value,)
    for code in codes:
        if code is None:
            continue
        try:
            validate_division_code(code)
        except GovbizError:
            raise click.BadParameter(
                f"{code!r} is not a division code (行政区划代码): six digits 0-9, e.g. 430802", param=param
            ) from None
    return value


def county_type(**kwargs: Any) -> Callable[[F], F]:
    """`--county CODE`, validated as a division code; keyword arguments go to `click.option`."""
    kwargs.setdefault("metavar", "CODE")
    kwargs.setdefault("help", "Six-digit division code (行政区划代码) of the county.")
    names = kwargs.pop("names", ("--county",))
    return click.option(*names, callback=division_code_callback, **kwargs)


county_option = county_type(default=None)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for machines instead of a table."
)


def as_of_instant(value: str, name: str = "--as-of") -> datetime:
    """The as-of instant of `value`: a date means the end of that day (24时, Beijing time).

    One rule for every command that takes a date for its as-of instant: an
    ISO date is `govbiz.clock.end_of_day` (everything that happened on the
    day counts); an ISO datetime is that instant, Beijing time unless an
    offset is given.  Bad text is a click error naming `name`.
    """
    from govbiz.clock import beijing, end_of_day

    try:
        return end_of_day(date.fromisoformat(value))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date or datetime (e.g. 2025-04-10 or 2025-04-10T17:30)", param_hint=name
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=beijing())


def _parse_as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    return None if value is None else as_of_instant(value)


as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="WHEN",
    callback=_parse_as_of,
    default=None,
    help="The instant to evaluate at, ISO 8601 (Beijing time unless an offset is given); "
    "a date means the end of that day (24时); default now.",
)


def parse_day(value: str, name: str) -> date:
    """A date from ISO text, or a click error naming the parameter."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)", param_hint=name) from None


def open_existing(db: str | None) -> Ledger:
    """The ledger at `db` (resolved as `govbiz.open` does), which must exist already.

    Only the commands that set a ledger up (`county setup`, `import`,
    `calendar add-notice`) create one; every other command, given a SQLite
    path where no file is (a typo: `--db sqlite:///tpyo.db`), stops with
    exit status 2 and names the path, and creates nothing.  Otherwise
    `verify` would create an empty ledger and report it intact.
    """
    import govbiz

    url = db or os.environ.get(govbiz.URL_ENV) or govbiz.DEFAULT_URL
    if url.startswith("sqlite:"):
        from govbiz.storage.sql.sqlite import parse_sqlite_url

        try:
            location = parse_sqlite_url(url)
        except GovbizError as error:
            raise click.BadParameter(str(error), param_hint="'--db'") from None
        if location.path is not None and not location.path.exists():
            raise click.BadParameter(
                f"no ledger at {location.path} (from {url}); check the path, "
                "or create one with `govbiz county setup`",
                param_hint="'--db'",
            )
        if location.path is not None:
            _refuse_a_file_that_is_not_a_ledger(location.path, url)
    return govbiz.open(url)


def _refuse_a_file_that_is_not_a_ledger(path: Path, url: str) -> None:
    """Stop (exit status 2) if the SQLite file at `path` holds no govbiz schema.

    Opening it would write an empty ledger into it (an empty file) or fail
    deep inside the store (a spreadsheet given as `--db`); read-only
    commands would then report nothing as if the county had no problems.
    """
    import sqlite3

    from govbiz.storage.sql.migrate import VERSION_TABLE

    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        found, reason = None, f"not a SQLite database ({error})"
    else:
        reason = f"no {VERSION_TABLE} table"
    if found is None:
        raise click.BadParameter(
            f"{path} (from {url}) is not a govbiz ledger: {reason}; check the path, "
            "or create a ledger with `govbiz county setup`",
            param_hint="'--db'",
        )


def govbiz_errors(function: F) -> F:
    """Report a `GovbizError` as a one-line message and exit with status 1 (no traceback)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except GovbizError as error:
            raise click.ClickException(str(error)) from error

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    """Print `data` as indented UTF-8 JSON (Chinese kept readable)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
