"""The `govbiz` command.

Every subcommand lives in its own module and is imported only when it runs
(or when `--help` lists it), so `govbiz --help` stays fast and importing
`govbiz.cli` loads no plugin, store or calendar.  Plugins add subcommands
through the `govbiz_register_commands` hook.
"""

from __future__ import annotations

import importlib

import click

from govbiz import __version__

__all__ = ["BUILTIN_COMMANDS", "main"]

#: Built-in subcommands: name -> "module:attribute" of a click command.
BUILTIN_COMMANDS: dict[str, str] = {
    "audit": "govbiz.cli.audit:audit_command",
    "calendar": "govbiz.cli.calendar:calendar_command",
    "config": "govbiz.cli.config:config_command",
    "contacts": "govbiz.cli.contacts:contacts_command",
    "county": "govbiz.cli.county:county_command",
    "document": "govbiz.cli.document:document_command",
    "export": "govbiz.cli.ledger_io:export_command",
    "import": "govbiz.cli.ledger_io:import_command",
    "new-plugin": "govbiz.cli.new_plugin:new_plugin_command",
    "outbox": "govbiz.cli.outbox:outbox_command",
    "plugins": "govbiz.cli.plugins:plugins_command",
    "remind": "govbiz.cli.remind:remind_command",
    "report": "govbiz.cli.report:report_command",
    "score": "govbiz.cli.score:score_command",
    "simulate": "govbiz.cli.simulate:simulate",
    "verify": "govbiz.cli.verify:verify_command",
    "worker": "govbiz.cli.worker:worker_command",
}


class GovbizGroup(click.Group):
    """A group that imports built-in commands lazily and asks plugins for theirs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*BUILTIN_COMMANDS, *super().list_commands(ctx), *_plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in BUILTIN_COMMANDS:
            module_name, _, attribute = BUILTIN_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name) or _plugin_commands().get(cmd_name)


def _plugin_commands() -> dict[str, click.Command]:
    """Commands contributed by installed plugins (loaded on first use)."""
    from govbiz.plugins import plugin_commands

    return plugin_commands()


@click.group(cls=GovbizGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govbiz")
def main() -> None:
    """govbiz: the government–enterprise reception day (政企面对面暨企业家接待日) as software."""
