"""The rule for an unreachable server: skip on a laptop, fail when GOVBIZ_REQUIRE_POSTGRES=1."""

from __future__ import annotations

import pytest
from govbiz_postgres.testing import (
    DEFAULT_SERVER,
    on_unreachable,
    required,
    schema_url,
    server_problem,
    server_url,
)


@pytest.mark.parametrize(
    ("problem", "require", "decision"),
    [
        (None, False, "run"),
        (None, True, "run"),
        ("PostgreSQL at ... is unreachable", False, "skip"),
        ("PostgreSQL at ... is unreachable", True, "fail"),
    ],
)
def test_the_decision(problem: str | None, require: bool, decision: str) -> None:
    assert on_unreachable(problem, require=require) == decision


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("YES", True), ("0", False), ("", False)]
)
def test_what_counts_as_required(value: str, expected: bool) -> None:
    assert required({"GOVBIZ_REQUIRE_POSTGRES": value}) is expected
    assert required({}) is False


def test_the_server_defaults_to_the_local_one() -> None:
    assert server_url({}) == DEFAULT_SERVER
    assert server_url({"GOVBIZ_TEST_POSTGRES": "postgresql://ci@db/x"}) == "postgresql://ci@db/x"


def test_a_closed_port_is_reported_not_raised() -> None:
    problem = server_problem("postgresql://nobody@127.0.0.1:1/none", timeout=2)
    assert problem is not None
    assert "unreachable" in problem
    assert "127.0.0.1:1" in problem


def test_the_running_server_has_no_problem(pg_server: str) -> None:
    assert server_problem(pg_server) is None


def test_schema_urls_set_the_search_path() -> None:
    url = schema_url("postgresql://postgres@127.0.0.1:5432/test", "t_1")
    assert url == "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dt_1"
