"""Fixtures for the API and workbench tests, each against a real uvicorn server.

`served`: the Zhangjiajie world behind the API (see `api_test_server`); `bench`:
the workbench with its users (`workbench_server`); `browser`: Debian's
Chromium driven by Playwright, never a downloaded browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_test_server import Served, serving, start
from govbiz_api import create_app
from playwright.sync_api import Browser, sync_playwright
from workbench_server import Bench, serving_bench

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    """The workbench on a real server, with its users (see `workbench_server`)."""
    with serving_bench(tmp_path) as found:
        yield found


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium (package `chromium`), headless; a failure, not a skip, when it is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run scripts/install-test-clients")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world, db_url, city_problem, county_problem, county_enterprise = start(tmp_path)
    app = create_app(world.ledger)
    with serving(app) as base:
        yield Served(world, db_url, base, app, city_problem, county_problem, county_enterprise)
    world.ledger.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL on a fresh schema (the PostgreSQL plugin's test server; skips without one,
    fails instead with `GOVBIZ_REQUIRE_POSTGRES=1`)."""
    from govbiz_postgres.testing import on_unreachable, required, server_problem, server_url, temporary_schema

    url = server_url()
    problem = server_problem(url)
    decision = on_unreachable(problem, require=required())
    if decision == "fail":
        pytest.fail(f"{problem} (GOVBIZ_REQUIRE_POSTGRES=1: the server is required)")
    if decision == "skip":
        pytest.skip(f"{problem}; set GOVBIZ_REQUIRE_POSTGRES=1 to make this a failure")
    with temporary_schema(url) as schema_url:
        yield schema_url
