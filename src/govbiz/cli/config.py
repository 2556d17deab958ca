"""`govbiz config`: checking county configuration files without sending anything."""

from __future__ import annotations

import click

from govbiz.cli.options import db_option, govbiz_errors


@click.group("config")
def config_command() -> None:
    """County configuration files (区县配置文件)."""


@config_command.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@db_option
@govbiz_errors
def check_command(files: tuple[str, ...], db: str | None) -> None:
    """Check FILES (default: the files the ledger keeps): syntax, templates and channels.

    Each template the routing uses is rendered with sample data and each
    channel the rules name is looked for among the installed plugins' and
    the file's `[channels]`; nothing is sent and nothing is stored.  Exits
    with status 1 when an error is found.
    """
    from govbiz.config import CountyFile, read_county_file
    from govbiz.config.check import check_county_file
    from govbiz.plugins import notification_channels

    checked: list[CountyFile] = [read_county_file(path) for path in files]
    if not files:
        import govbiz
        from govbiz.config.kept import kept_files

        with govbiz.open(db) as ledger, ledger.store.unit_of_work() as uow:
            checked = kept_files(uow)
        if not checked:
            raise click.ClickException("the ledger keeps no configuration file: name the files to check")
    channels = {"console", *notification_channels()}
    errors = 0
    for file in checked:
        findings = check_county_file(file, channels)
        for finding in findings:
            click.echo(str(finding))
        errors += sum(f.level == "error" for f in findings)
        if not any(f.level == "error" for f in findings):
            click.echo(f"{file.source}: ok ({', '.join(file.codes())})")
    if errors:
        raise click.ClickException(f"{errors} error(s) in the configuration")
