"""The workbench's plugin entry point: adds `govbiz user` to the command line."""

from __future__ import annotations

from collections.abc import Iterable

import click

from govbiz.ports.hooks import hookimpl

__all__ = ["govbiz_register_commands"]


@hookimpl
def govbiz_register_commands() -> Iterable[click.Command]:
    """Add `govbiz user` (the workbench's users)."""
    from govbiz_api.workbench.cli import user_command

    return [user_command]
