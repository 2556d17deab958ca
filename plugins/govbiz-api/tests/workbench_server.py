"""Helpers for the workbench tests: the API test world with workbench users, behind real uvicorn.

Every user's password is `PASSWORD`.  `sign_in` signs an httpx client in
through the sign-in form (its CSRF cookie and field, as a browser does).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import httpx
from api_test_server import serving, start
from govbiz_api import create_app
from govbiz_api.workbench.web import Workbench

from govbiz.domain import Actor, Problem, Role
from govbiz.storage.attachments import FileAttachmentStore
from tests.conftest import COUNTY, World

PASSWORD = "正确的密码-horse-battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@attrs.frozen
class Bench:
    """The world, the server's base URL, its workbench, and the problems of the API test world."""

    world: World
    base: str
    workbench: Workbench
    city_problem: Problem
    county_problem: Problem


#: login → actor, for every user `serving_bench` creates.
def users(world: World) -> dict[str, Actor]:
    return {
        "zgj": attrs.evolve(world.zgj, name="王自规"),
        "xcb": Actor(
            id="xcb-1",
            role=Role.DEPARTMENT_HANDLER,
            county=world.zgj.county,
            name="李宣传",
            department="430800-xcb",
        ),
        "yd-zrzy": Actor(
            id="yd-zrzy-1", role=Role.DEPARTMENT_HANDLER, county=COUNTY, department="430802-zrzy"
        ),
        "tzb": attrs.evolve(world.collector, name="统战部收集人"),
        "dcs": world.supervisor,
        "mszb": world.secretariat,
        "sw-sj": world.chair,
    }


@contextmanager
def serving_bench(tmp_path: Path) -> Iterator[Bench]:
    world, _, city_problem, county_problem, _ = start(tmp_path)
    world.ledger.attachments = FileAttachmentStore(tmp_path / "attachments")
    app = create_app(world.ledger)
    bench: Workbench = app.state.workbench
    for login, actor in users(world).items():
        bench.users.create(login, actor, PASSWORD, now=world.clock.now())
    with serving(app) as base:
        yield Bench(world, base, bench, city_problem, county_problem)
    world.ledger.close()


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = _CSRF.search(html)
    assert found, html
    return found.group(1)


def sign_in(http: httpx.Client, login: str, password: str = PASSWORD) -> httpx.Response:
    """Sign `http` in through the form; the answer to the form's POST."""
    token = csrf_of(http.get("/login").text)
    return http.post("/login", data={"csrf": token, "login": login, "password": password, "next": "/"})
