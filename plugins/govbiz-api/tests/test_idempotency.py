"""Idempotency-Key over HTTP: the same key and body replays the first answer; another body is 422."""

from __future__ import annotations

from datetime import timedelta

from api_test_server import Served, problem_json, serving
from govbiz_api import create_app


def test_the_same_key_and_body_returns_the_first_answer_without_running_again(served: Served) -> None:
    problem_id, zgj = served.city_problem.id, served.world.zgj
    with served.client(zgj) as http:
        http.post("/v1/commands/SignAssignment", json={"problem_id": problem_id}).raise_for_status()
        body = {"problem_id": problem_id, "text": "已完成现场踏勘"}
        first = http.post("/v1/commands/ReportProgress", json=body, headers={"Idempotency-Key": "req-0001"})
        assert first.status_code == 200, first.text
        assert "idempotency-replayed" not in first.headers
        # The same JSON with other spacing and key order is the same request.
        again = http.post(
            "/v1/commands/ReportProgress",
            content=b'{ "text": "\\u5df2\\u5b8c\\u6210\\u73b0\\u573a\\u8e0f\\u52d8",  "problem_id": "'
            + problem_id.encode()
            + b'" }',
            headers={"Idempotency-Key": "req-0001", "Content-Type": "application/json"},
        )
    assert again.status_code == 200
    assert again.headers["idempotency-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    problem = served.world.ledger.problem(served.world.admin, problem_id)
    assert len(problem.progress) == 1  # the command ran once
    assert problem.version == first.json()["version"]


def test_the_same_key_with_another_body_is_422_and_runs_nothing(served: Served) -> None:
    problem_id, zgj = served.city_problem.id, served.world.zgj
    with served.client(zgj, **{"Accept-Language": "en"}) as http:
        http.post(
            "/v1/commands/SignAssignment", json={"problem_id": problem_id}, headers={"Idempotency-Key": "k-1"}
        ).raise_for_status()
        before = served.version(problem_id)
        reused = http.post(
            "/v1/commands/ReportProgress",
            json={"problem_id": problem_id, "text": "另一件事"},
            headers={"Idempotency-Key": "k-1"},
        )
    assert reused.status_code == 422
    body = problem_json(reused)
    assert body["type"] == "urn:govbiz:problem:idempotency-key-reused"
    assert body["key"] == "k-1"
    assert served.version(problem_id) == before


def test_an_error_answer_is_replayed_too_and_keys_are_per_token(served: Served) -> None:
    problem_id, world = served.city_problem.id, served.world
    with served.client(world.zjj) as http:  # a co-handler may not sign
        refused = http.post(
            "/v1/commands/SignAssignment", json={"problem_id": problem_id}, headers={"Idempotency-Key": "x"}
        )
        replayed = http.post(
            "/v1/commands/SignAssignment", json={"problem_id": problem_id}, headers={"Idempotency-Key": "x"}
        )
    assert (refused.status_code, replayed.status_code) == (403, 403)
    assert replayed.headers["idempotency-replayed"] == "true"
    assert replayed.headers["content-type"].startswith("application/problem+json")
    with served.client(world.zgj) as http:  # the same key from another token is its own
        signed = http.post(
            "/v1/commands/SignAssignment", json={"problem_id": problem_id}, headers={"Idempotency-Key": "x"}
        )
    assert signed.status_code == 200
    assert "idempotency-replayed" not in signed.headers


def test_keys_hold_across_processes_and_expire_after_24_hours(served: Served) -> None:
    problem_id, world = served.city_problem.id, served.world
    body = {"problem_id": problem_id, "note": "请于本周内签收"}
    with served.client(world.supervisor) as http:
        first = http.post("/v1/commands/SendReminder", json=body, headers={"Idempotency-Key": "remind-1"})
    assert first.status_code == 200
    # A second server on the same database (another `govbiz serve` process): the key is there.
    from govbiz.ledger import Ledger
    from govbiz.storage.sql.sqlite import open_sqlite

    other = Ledger(open_sqlite(served.db_url), clock=world.clock)
    with serving(create_app(other)) as base, served.client(world.supervisor) as http:
        http.base_url = base  # type: ignore[assignment]
        replayed = http.post("/v1/commands/SendReminder", json=body, headers={"Idempotency-Key": "remind-1"})
        assert replayed.headers["idempotency-replayed"] == "true"
        assert replayed.content == first.content
        assert len(world.ledger.problem(world.admin, problem_id).reminders) == 1
        world.clock.advance(timedelta(hours=24, minutes=1))
        later = http.post("/v1/commands/SendReminder", json=body, headers={"Idempotency-Key": "remind-1"})
        assert later.status_code == 200
        assert "idempotency-replayed" not in later.headers
    assert len(world.ledger.problem(world.admin, problem_id).reminders) == 2
    other.close()


def test_a_key_that_is_not_visible_ascii_is_refused(served: Served) -> None:
    with served.client(served.world.zgj) as http:
        bad = http.post(
            "/v1/commands/SignAssignment",
            json={"problem_id": served.city_problem.id},
            headers={"Idempotency-Key": "x" * 201},
        )
    assert bad.status_code == 422
    assert problem_json(bad)["field"] == "Idempotency-Key"
    assert served.version(served.city_problem.id) == served.city_problem.version
