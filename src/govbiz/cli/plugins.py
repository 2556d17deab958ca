"""`govbiz plugins`: what is installed, with versions and hooks."""

from __future__ import annotations

import attrs
import click

from govbiz.cli.options import echo_json, govbiz_errors, json_option


@click.command("plugins")
@json_option
@govbiz_errors
def plugins_command(as_json: bool) -> None:
    """List installed plugins (built-in ones included), their versions and hooks.

    Each plugin is a line (name, version, the package it comes from),
    followed by its hooks, one a line: a table cut the long names
    (`govbiz_notification_channels`) on an 80-column terminal.
    """
    from govbiz.plugins import describe_plugins

    infos = describe_plugins()
    if as_json:
        echo_json([attrs.asdict(info) for info in infos])
        return
    click.echo(f"govbiz plugins ({len(infos)})")
    for info in infos:
        click.echo(f"{info.name} {info.version} ({info.source})")
        for hook in info.hooks:
            click.echo(f"  {hook}")
