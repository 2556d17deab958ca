"""Fixtures: `served`, the Zhangjiajie world behind a real uvicorn server (see `api_test_server`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_test_server import Served, serving, start
from govbiz_api import create_app


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
