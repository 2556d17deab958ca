"""`govbiz plugins`: what is installed, with versions and hooks."""

from __future__ import annotations

import attrs
import click
from rich.console import Console
from rich.table import Table

from govbiz.cli.options import echo_json, govbiz_errors, json_option


@click.command("plugins")
@json_option
@govbiz_errors
def plugins_command(as_json: bool) -> None:
    """List installed plugins (built-in ones included), their versions and hooks."""
    from govbiz.plugins import describe_plugins

    infos = describe_plugins()
    if as_json:
        echo_json([attrs.asdict(info) for info in infos])
        return
    table = Table(title="govbiz plugins")
    for column in ("name", "version", "source", "hooks"):
        table.add_column(column)
    for info in infos:
        table.add_row(info.name, info.version, info.source, "\n".join(info.hooks))
    Console().print(table)
