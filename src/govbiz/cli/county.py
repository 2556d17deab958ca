"""`govbiz county`: a county's profile, and setting it up in a ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

import govbiz
from govbiz.cli.options import county_type, db_option, echo_json, govbiz_errors, json_option

if TYPE_CHECKING:
    from govbiz.config.layer import FileAnswer


@click.group("county")
def county_command() -> None:
    """County profiles (区县配置) from county configuration files and the installed county plugins."""


def _file_answers(county: str, db: str | None, config: tuple[str, ...]) -> list[FileAnswer]:
    """The configuration files that give `county` parts: `--config` files, else those the ledger keeps.

    The ledger is read only when it exists: `county show` never creates an empty ledger.
    """
    from govbiz.config import read_county_file
    from govbiz.config.layer import file_answers

    if config:
        return file_answers([read_county_file(path) for path in config], county)
    url = db or govbiz.DEFAULT_URL
    if url.startswith("sqlite:"):
        from govbiz.storage.sql.sqlite import parse_sqlite_url

        path = parse_sqlite_url(url).path
        if path is not None and not path.exists():
            return []
    from govbiz.config.kept import kept_answers

    with govbiz.open(url) as ledger:
        return kept_answers(ledger.store, county)


_config_option = click.option(
    "--config", "config", metavar="FILE", multiple=True, type=click.Path(dir_okay=False),
    help="A county configuration file (TOML) to lay over the plugins instead of the ledger's; repeatable.",
)  # fmt: skip


@county_command.command("show")
@county_type(required=True, help="Six-digit division code (行政区划代码).")
@db_option
@_config_option
@json_option
@govbiz_errors
def show_command(county: str, db: str | None, config: tuple[str, ...], as_json: bool) -> None:
    """Show a county's departments, leaders, categories, sources and deadline rules.

    Each part of the profile is shown with the plugin or file that gives
    it: the city's plugin (the base), the county's own (a refinement), or a
    configuration file (kept in the ledger by `govbiz county apply`, or
    given with `--config`) above both.
    """
    from govbiz.plugins import explain_county_profile

    layered = explain_county_profile(county, files=_file_answers(county, db, config))
    profile = layered.profile
    policy = profile.policy()
    clocks = [{"clock": r.name, "rule": r.label, "enabled": r.enabled} for r in policy.clocks]
    if as_json:
        echo_json(
            {
                "county": county,
                "name": profile.name,
                "categories": list(profile.categories),
                "sources": list(profile.sources),
                "clocks": clocks,
                "departments": [
                    {"code": d.code, "name": d.name, "short_name": d.short_name} for d in profile.departments
                ],
                "leaders": [{"title": x.title, "name": x.name} for x in profile.leaders],
                "aliases": dict(profile.aliases),
                "parts": {
                    o.part.value: {"source": o.source, "layer": o.layer.label, "over": list(o.over)}
                    for o in layered.origins
                },
                "local_days": list(layered.local_days),
            }
        )
        return
    console = Console()
    console.print(f"[bold]{profile.name or '(no county plugin answers for ' + county + ')'}[/bold] {county}")
    console.print("类别 categories: " + "、".join(profile.categories))
    console.print("来源 sources: " + "、".join(profile.sources))
    console.print("期限 deadlines: " + "；".join(r.label for r in policy.clocks if r.enabled))
    table = Table("code", "部门 department", "简称")
    for department in profile.departments:
        table.add_row(department.code, department.name, department.short_name)
    if profile.departments:
        console.print(table)
    if profile.leaders:
        console.print("接待领导 leaders: " + "、".join(f"{x.title}{x.name}" for x in profile.leaders))
    if layered.local_days:
        console.print("地方休息日 local days from: " + ", ".join(layered.local_days))
    origins = Table("part", "from", "layer", "refines")
    for o in layered.origins:
        origins.add_row(o.part.value, o.source, o.layer.label, ", ".join(o.over))
    console.print(origins)


@county_command.command("setup")
@county_type(required=True, help="Six-digit division code (行政区划代码).")
@click.option("--parent", metavar="CODE", default=None, help="The city's code, when CODE is a county.")
@click.option(
    "--actor", default="cli-admin", show_default=True, help="Administrator id recorded in the audit trail."
)
@db_option
@click.option(
    "--config", "config", metavar="FILE", type=click.Path(dir_okay=False), default=None,
    help="Set the county up from this configuration file (what `govbiz county apply FILE` does).",
)  # fmt: skip
@govbiz_errors
def setup_command(county: str, parent: str | None, actor: str, db: str | None, config: str | None) -> None:
    """Register the county and its profile's departments in the ledger (idempotent).

    The profile comes from the county's plugin or from a configuration file
    the ledger keeps; with `--config FILE` the file is applied first.
    """
    from govbiz.domain import Actor, Role
    from govbiz.provision import provision_county

    ledger = govbiz.open(db)
    if config is not None:
        _apply(ledger, config, actor=actor, dry_run=False)
    admin = Actor(id=actor, role=Role.ADMINISTRATOR, county=county)
    done = provision_county(ledger, admin, county, parent=parent)
    click.echo(f"registered {len(done.divisions)} division(s) and {len(done.departments)} department(s)")


@county_command.command("check")
@county_type(required=True, help="Six-digit division code (行政区划代码).")
@govbiz_errors
def check_command(county: str) -> None:
    """Try the county's notification templates; list each that would fall back to the built-in one.

    Exits with status 1 when a template has a problem, 0 when every one renders.
    """
    from govbiz.notify.notifier import check_templates
    from govbiz.plugins import county_profile

    problems = check_templates(county_profile(county).notifications)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"county {county}: every notification template renders")


@county_command.command("apply")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
@click.option("--dry-run", is_flag=True, help="Validate and show what would change; store nothing.")
@click.option(
    "--as", "actor", metavar="ACTOR", default="cli-admin", show_default=True,
    help="Administrator id recorded in the audit trail.",
)  # fmt: skip
@govbiz_errors
def apply_command(file: str, db: str | None, dry_run: bool, actor: str) -> None:
    """Apply a county configuration file (区县配置文件) to the ledger, atomically and idempotently.

    Validates FILE (errors name the file, line and key), prints what will
    change (divisions and departments to register, the file to keep), then
    stores it all in one transaction.  Every `govbiz.open()` ledger on the
    same database then lays the file over the plugins' profiles.  Applying
    the same file again changes nothing.
    """
    with govbiz.open(db) as ledger:
        _apply(ledger, file, actor=actor, dry_run=dry_run)


def _apply(ledger: govbiz.Ledger, path: str, *, actor: str, dry_run: bool) -> None:
    from govbiz.config import read_county_file
    from govbiz.config.apply import apply_county_file

    plan = apply_county_file(ledger, read_county_file(path), actor=actor, dry_run=dry_run)
    for line in plan.lines():
        click.echo(line)
    if plan.changes:
        click.echo("dry run: nothing stored" if dry_run else "applied")
