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
