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
    ctx = click.Context(command, info_name=" ".join(path), parent=parent, terminal_width=100)
    help_text = command.get_help(ctx).replace("Usage: ", "", 1)
    level = "#" * min(len(path) + 1, 4)
    out = [f"{level} `{' '.join(path)}`\n\n```text\nUsage: {help_text}\n```\n"]
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
