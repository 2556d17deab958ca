"""Helpers for the API tests: uvicorn on 127.0.0.1 and a free port, in a thread, over a SQLite ledger.

The ledger is the shared Zhangjiajie world (`tests.conftest.build_world`) on a
file in `tmp_path`, with a second tenant: Yongding district (永定区 430802,
a county of the city) with its own enterprise and problem.  Tests speak HTTP
to the server with httpx, each request with a token of one actor.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx
import uvicorn
from fastapi import FastAPI

from govbiz import commands as c
from govbiz.domain import Actor, Problem, Role
from govbiz.ledger import Ledger
from govbiz.storage.sql.sqlite import open_sqlite
from govbiz.testing.processes import GovbizProcess, start_govbiz
from tests.conftest import COUNTY, World, build_world, credit_code


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run `app` on uvicorn in a thread; yield its base URL; stop it after."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def answers(base: str) -> bool:
    """True once a server at `base` answers its OpenAPI document."""
    try:
        return httpx.get(f"{base}/openapi.json", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def start_serve(
    db_url: str, directory: Path, name: str, *options: str, wait: bool = True
) -> tuple[GovbizProcess, str]:
    """`govbiz serve` on `db_url` and a free port, as a process; it and its base URL.

    With `wait` once it answers; else `serve_ready(process, base)` waits for it.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_govbiz(["serve", "--db", db_url, "--port", str(port), *options], directory, name)
    if wait:
        serve_ready(process, base)
    return process, base


def serve_ready(process: GovbizProcess, base: str) -> None:
    """Wait until the `govbiz serve` process at `base` answers."""
    process.wait_ready(lambda _: answers(base))


@attrs.define
class Served:
    """The world, its database file, the running server and a way to call it as an actor."""

    world: World
    db_url: str
    base: str
    app: FastAPI
    city_problem: Problem
    county_problem: Problem
    county_enterprise: str
    tokens: dict[str, str] = attrs.field(factory=dict)

    def token(self, actor: Actor) -> str:
        """A token for `actor` (made once per actor)."""
        if actor.id not in self.tokens:
            store = self.app.state.services.tokens
            self.tokens[actor.id] = store.create(actor, now=self.world.clock.now()).text
        return self.tokens[actor.id]

    def client(self, actor: Actor | None = None, **headers: str) -> httpx.Client:
        given = {"Authorization": f"Bearer {self.token(actor)}"} if actor is not None else {}
        return httpx.Client(base_url=self.base, headers={**given, **headers}, timeout=30)

    def version(self, problem_id: str) -> int:
        return self.world.ledger.problem(self.world.admin, problem_id).version


def county_world(world: World) -> tuple[Problem, str]:
    """Register an enterprise of Yongding district (430802) and collect one of its problems there."""
    admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    enterprise = world.ledger.handle(
        admin,
        c.RegisterEnterprise(
            county=COUNTY,
            name="张家界永定建材有限公司",
            credit_code=credit_code("91430802MA4L67890"),
            contacts=[{"name": "李建国", "phone": "13987654321"}],
        ),
    )
    problem = world.ledger.handle(
        world.county_collector,
        c.CollectProblem(
            enterprise_id=enterprise.id, title="厂区道路硬化", category="土地规划", source="调研走访"
        ),
    )
    return problem, enterprise.id


def start(tmp_path: Path) -> tuple[World, str, Problem, Problem, str]:
    """A world on a SQLite file in `tmp_path` with a second tenant; its URL, problems and enterprise."""
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    world = build_world(Ledger(open_sqlite(db_url)))
    city_problem = world.assigned()
    county_problem, county_enterprise = county_world(world)
    return world, db_url, city_problem, county_problem, county_enterprise


def problem_json(response: httpx.Response) -> dict[str, Any]:
    """The body of an error response, which must be problem details."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("urn:govbiz:problem:")
    return body
