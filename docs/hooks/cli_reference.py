"""MkDocs hook: render the `govbiz` command's help into the CLI reference at build time.

A page containing `<!-- govbiz:cli-reference -->` gets one section per
subcommand (recursively for groups) with the help text click prints, so the
reference is always what `govbiz COMMAND --help` says.
"""

from __future__ import annotations

from typing import Any

import click

MARKER = "<!-- govbiz:cli-reference -->"


def _sections(command: click.Command, path: list[str], parent: click.Context | None) -> list[str]:
    # As click builds it: the context is named by the command alone (click joins the parents'
    # names into the usage line) and takes the command's settings, so `-h` shows beside `--help`.
    settings = {**command.context_settings, "terminal_width": 100}
    ctx = click.Context(command, info_name=path[-1], parent=parent, **settings)
    level = "#" * min(len(path) + 1, 4)
    out = [f"{level} `{' '.join(path)}`\n\n```text\n{command.get_help(ctx)}\n```\n"]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                out.extend(_sections(sub, [*path, name], ctx))
    return out


def cli_reference() -> str:
    """Markdown for every `govbiz` command and subcommand."""
    from govbiz.cli import main

    return "\n".join(_sections(main, ["govbiz"], None))


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the CLI reference marker with the generated help."""
    return markdown.replace(MARKER, cli_reference()) if MARKER in markdown else markdown
