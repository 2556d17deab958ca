"""govbiz as a service (接口服务): the problem ledger over HTTP.

Installed, this plugin adds `govbiz serve` (the API, on uvicorn),
and `govbiz token` (API tokens) to the command line; the notification
service beside it is govbiz's own `govbiz worker`.  `create_app` builds the
ASGI application around a ledger; importing this package loads neither
FastAPI nor a ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from govbiz.ports.hooks import hookimpl

if TYPE_CHECKING:
    from govbiz_api.app import create_app

__all__ = ["create_app", "govbiz_register_commands"]


@hookimpl
def govbiz_register_commands() -> Iterable[click.Command]:
    """Add `govbiz serve` and `govbiz token`."""
    from govbiz_api.cli import serve_command, token_command

    return [serve_command, token_command]


def __getattr__(name: str) -> Any:
    if name == "create_app":  # FastAPI is loaded on first use, not by `govbiz --help`
        from govbiz_api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
