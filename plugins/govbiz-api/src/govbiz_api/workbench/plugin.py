"""The workbench's plugin entry point: adds `govbiz user` and `govbiz demo` to the command line."""

from __future__ import annotations

from collections.abc import Iterable

import click

from govbiz.ports.hooks import hookimpl

__all__ = ["govbiz_register_commands"]


@hookimpl
def govbiz_register_commands() -> Iterable[click.Command]:
    """Add `govbiz user` (the workbench's users) and `govbiz demo` (the workbench full of a year)."""
    from govbiz_api.workbench.cli import demo_command, user_command

    return [user_command, demo_command]
