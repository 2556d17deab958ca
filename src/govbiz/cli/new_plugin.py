"""`govbiz new-plugin`: start a plugin package from the template."""

from __future__ import annotations

from pathlib import Path

import click

from govbiz.cli.options import county_type, govbiz_errors
from govbiz.plugin_template import PLACEHOLDER_COUNTY


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create govbiz-NAME/.",
)
@county_type(
    default=PLACEHOLDER_COUNTY,
    show_default=True,
    help="County the sample profile configures (default: a placeholder no real county has: change it).",
)
@govbiz_errors
def new_plugin_command(name: str, directory: Path, county: str) -> None:
    """Create govbiz-NAME/: an installable plugin with a sample hook, a command and tests."""
    from govbiz.plugin_template import render_plugin

    root = render_plugin(name, directory, county=county)
    click.echo(f"created {root}\nnext: pip install -e '{root}[dev]' && pytest {root}/tests")
