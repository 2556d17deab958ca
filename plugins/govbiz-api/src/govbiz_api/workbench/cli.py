"""`govbiz user`: the people who sign in to the workbench (工作台用户).

The password is read from a prompt (typed twice, not echoed) or, for
scripts, from the first line of standard input (`--password-stdin`); it
never appears in the command line, the shell history or the database
(only its Argon2id hash is kept).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govbiz.cli.options import county_type, db_option, echo_json, govbiz_errors, json_option, open_existing

if TYPE_CHECKING:
    from govbiz.ledger import Ledger
    from govbiz_api.workbench.users import UserStore

__all__ = ["demo_command", "user_command"]

_ROLES = [
    "collector", "secretariat", "chair", "department_handler", "supervisor", "enterprise_contact", "viewer",
    "administrator",
]  # fmt: skip


@click.group("user")
def user_command() -> None:
    """Workbench users (工作台用户): create, list, disable. Only a password's Argon2id hash is stored."""


@user_command.command("create")
@click.option("--login", required=True, help="The name the user signs in with.")
@click.option("--actor-id", required=True, help="The user's id, recorded in every event the user causes.")
@click.option("--name", default="", help="The user's name as pages show it.")
@click.option("--role", type=click.Choice(_ROLES), required=True, help="The user's role.")
@county_type(required=True, help="Division code (行政区划代码) the user acts for.")
@click.option("--department", default=None, help="The department code (a department_handler needs one).")
@click.option("--enterprise", default=None, help="The enterprise id (an enterprise_contact needs one).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@db_option
@json_option
@govbiz_errors
def create_command(
    *,
    login: str, actor_id: str, name: str, role: str, county: str, department: str | None,
    enterprise: str | None, password_stdin: bool, db: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Add a user who signs in with LOGIN and a password, acting as the actor given."""
    from govbiz.cli.report import resolve_county
    from govbiz.domain.actors import Actor

    actor = Actor(
        id=actor_id, role=role, county=county, name=name, department=department, enterprise=enterprise
    )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    with open_existing(db) as ledger:
        resolve_county(ledger, county)  # a user for a division the ledger does not know is a typo
        if department is not None:
            ledger.record(actor, "department", department)  # NotFoundError for an unknown department
        user = _users(ledger).create(login, actor, password, now=ledger.clock.now())
    if as_json:
        echo_json(user.as_json())
        return
    click.echo(f"user {user.login} created, acting as {actor.describe()}")


@user_command.command("list")
@db_option
@json_option
@govbiz_errors
def list_command(db: str | None, as_json: bool) -> None:
    """Every user with whom it acts as, and whether it is disabled."""
    with open_existing(db) as ledger:
        users = _users(ledger).list()
    if as_json:
        echo_json([u.as_json() for u in users])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("login", "actor", "role", "county", "department/enterprise", "status")
    for u in users:
        a = u.actor
        status = "disabled" if u.disabled_at else "active"
        table.add_row(u.login, a.id, a.role.value, a.county, a.department or a.enterprise or "", status)
    Console().print(table)


@user_command.command("disable")
@click.argument("login")
@db_option
@govbiz_errors
def disable_command(login: str, db: str | None) -> None:
    """Disable LOGIN: it can no longer sign in, and its open sessions end."""
    from govbiz_api.tables import ApiDatabase
    from govbiz_api.workbench.sessions import SessionStore

    with open_existing(db) as ledger:
        user = _users(ledger).disable(login, now=ledger.clock.now())
        SessionStore(ApiDatabase(ledger.store)).close_all(login)
    click.echo(f"disabled {user.login} ({user.actor.describe()})")


def _users(ledger: Ledger) -> UserStore:
    from govbiz_api.tables import ApiDatabase
    from govbiz_api.workbench.users import UserStore

    return UserStore(ApiDatabase(ledger.store))


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port.")
@click.option(
    "--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Keep the demo ledger in this folder (default: a temporary folder, removed after).",
)  # fmt: skip
@govbiz_errors
def demo_command(host: str, port: int, keep: Path | None) -> None:
    """Serve the workbench full of the Zhangjiajie year (演示): the simulation in a temporary ledger.

    Prints each user's login and the one password, then serves the
    workbench and the API until Ctrl-C.  The ledger's clock stays at the
    end of the simulated year, so the deadlines read as they did then.
    """
    import tempfile

    import uvicorn

    from govbiz_api.app import create_app
    from govbiz_api.workbench.demo import prepare_demo

    with tempfile.TemporaryDirectory(prefix="govbiz-demo-") as temporary:
        folder = keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        click.echo("playing the Zhangjiajie reception days into a demo ledger ...", err=True)
        demo = prepare_demo(folder)
        click.echo(f"ledger: {demo.url} (clock stopped at {demo.ledger.clock.now():%Y-%m-%d %H:%M})")
        click.echo(
            f"open http://{host}:{port}/ and sign in with one of these logins, password {demo.password}"
        )
        for login, actor in demo.users.items():
            click.echo(f"  {login:<16} {actor.role.label_zh} {actor.name}")
        try:
            uvicorn.run(create_app(demo.ledger), host=host, port=port, log_level="warning")
        finally:
            demo.ledger.close()
