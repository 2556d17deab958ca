"""`govbiz county`: a county's profile, and setting it up in a ledger."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from govbiz.cli.options import db_option, echo_json, govbiz_errors, json_option


@click.group("county")
def county_command() -> None:
    """County profiles (区县配置) from the installed county plugins."""


@county_command.command("show")
@click.option("--county", metavar="CODE", required=True, help="Six-digit division code (行政区划代码).")
@json_option
@govbiz_errors
def show_command(county: str, as_json: bool) -> None:
    """Show a county's departments, leaders, categories, sources and deadline rules.

    Each part of the profile is shown with the plugin that gives it: the
    city's plugin (the base) or the county's own (a refinement).
    """
    from govbiz.plugins import explain_county_profile

    layered = explain_county_profile(county)
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
    origins = Table("part", "from", "layer", "refines")
    for o in layered.origins:
        origins.add_row(o.part.value, o.source, o.layer.label, ", ".join(o.over))
    console.print(origins)


@county_command.command("setup")
@click.option("--county", metavar="CODE", required=True, help="Six-digit division code (行政区划代码).")
@click.option("--parent", metavar="CODE", default=None, help="The city's code, when CODE is a county.")
@click.option(
    "--actor", default="cli-admin", show_default=True, help="Administrator id recorded in the audit trail."
)
@db_option
@govbiz_errors
def setup_command(county: str, parent: str | None, actor: str, db: str | None) -> None:
    """Register the county and its profile's departments in the ledger (idempotent)."""
    import govbiz
    from govbiz.domain import Actor, Role
    from govbiz.provision import provision_county

    ledger = govbiz.open(db)
    admin = Actor(id=actor, role=Role.ADMINISTRATOR, county=county)
    done = provision_county(ledger, admin, county, parent=parent)
    click.echo(f"registered {len(done.divisions)} division(s) and {len(done.departments)} department(s)")


@county_command.command("check")
@click.option("--county", metavar="CODE", required=True, help="Six-digit division code (行政区划代码).")
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
