"""Errors as RFC 9457 problem details, in Chinese (the default) or English by Accept-Language."""

from __future__ import annotations

import pytest
from api_test_server import Served, problem_json
from govbiz_api.problem_details import language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.2, zh;q=0.7", "zh"),
        ("de", "zh"),
        ("en;q=0", "zh"),
    ],
)
def test_the_language_follows_accept_language(header: str | None, expected: str) -> None:
    assert language(header) == expected


def test_a_refusal_in_chinese_and_in_english_carries_the_same_facts(served: Served) -> None:
    problem_id = served.city_problem.id
    answers = {}
    for lang in ("zh-CN", "en"):
        with served.client(served.world.viewer, **{"Accept-Language": lang}) as http:
            answers[lang] = http.post("/v1/commands/SignAssignment", json={"problem_id": problem_id})
    zh, en = (problem_json(answers[k]) for k in ("zh-CN", "en"))
    assert answers["zh-CN"].status_code == 403
    assert answers["zh-CN"].headers["content-language"] == "zh-CN"
    assert answers["en"].headers["content-language"] == "en"
    assert (zh["title"], en["title"]) == ("无权操作", "Permission denied")
    assert "无权执行 签收" in zh["detail"]
    assert "may not sign" in en["detail"]
    members = ("type", "status", "actor", "action", "reason")
    assert {k: zh[k] for k in members} == {k: en[k] for k in members}
    assert zh["action"] == "sign"


def test_a_validation_error_names_the_field_and_value(served: Served) -> None:
    with served.client(served.world.zgj) as http:
        response = http.post(
            "/v1/commands/ReportProgress", json={"problem_id": served.city_problem.id, "text": "   "}
        )
        unknown = http.post("/v1/commands/SignAssignment", json={"problem_id": "x", "extra": 1})
        not_json = http.post(
            "/v1/commands/SignAssignment", content=b"{", headers={"Content-Type": "application/json"}
        )
    body = problem_json(response)
    assert response.status_code == 422
    assert body["title"] == "输入不合法"
    assert body["field"] == "text"
    assert body["errors"][0]["field"] == "text"
    assert problem_json(unknown)["field"] == "extra"
    assert problem_json(not_json)["status"] == 422


def test_contacts_in_a_validation_error_stay_masked(served: Served) -> None:
    with served.client(served.world.admin) as http:
        response = http.post(
            "/v1/commands/RegisterEnterprise",
            json={
                "county": "430800",
                "name": "张家界测试有限公司",
                "credit_code": "91430800MA4L12345E",
                "contacts": [{"name": "王小明", "phone": "1381234567x"}],
            },
        )
    assert response.status_code == 422
    assert "1381234567x" not in response.text


def test_an_illegal_transition_lists_the_allowed_actions(served: Served) -> None:
    with served.client(served.world.zgj, **{"Accept-Language": "en"}) as http:
        response = http.post(
            "/v1/commands/ReportResult",
            json={"problem_id": served.city_problem.id, "outcome": "solved", "text": "已办结"},
        )
    body = problem_json(response)
    assert response.status_code == 409
    assert body["type"] == "urn:govbiz:problem:illegal-transition"
    assert body["state"] == "assigned"
    assert "sign" in body["allowed_actions"]


def test_unknown_routes_queries_and_records_are_problem_details_too(served: Served) -> None:
    with served.client(served.world.viewer) as http:
        missing = http.get("/v1/problems/430800-2099-9999")
        no_route = http.get("/v1/nothing-here")
        bad_query = http.get("/v1/problems", params={"limit": 0})
        bad_state = http.get("/v1/problems", params={"state": "finished"})
        bad_sort = http.get("/v1/problems", params={"sort": "title"})
        no_command = http.post("/v1/commands/DeleteEverything", json={})
    assert problem_json(missing)["title"] == "记录不存在"
    assert problem_json(missing)["key"] == "430800-2099-9999"
    assert problem_json(no_route)["status"] == 404
    assert problem_json(bad_query)["field"] == "limit"
    assert problem_json(bad_state)["field"] == "state"
    assert problem_json(bad_sort)["field"] == "sort"
    assert problem_json(no_command)["status"] == 404


def test_no_token_or_a_wrong_one_is_401(served: Served) -> None:
    with served.client() as http:
        missing = http.get("/v1/problems")
        wrong = http.get("/v1/problems", headers={"Authorization": "Bearer gbz_0123456789abcdef_nope"})
        malformed = http.get("/v1/problems", headers={"Authorization": "Bearer hello"})
        basic = http.get("/v1/problems", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        command = http.post("/v1/commands/SignAssignment", json={"problem_id": served.city_problem.id})
    assert [problem_json(r)["reason"] for r in (missing, wrong, malformed, basic, command)] == [
        "missing", "unknown", "malformed", "missing", "missing",
    ]  # fmt: skip
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert problem_json(missing)["title"] == "令牌无效"
    assert served.version(served.city_problem.id) == served.city_problem.version


def test_a_bug_is_a_500_problem_without_its_traceback(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    from govbiz_api.routes import problems

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("secret internals")

    original = problems.caller_actions
    problems.caller_actions = broken  # type: ignore[assignment]
    try:
        with served.client(served.world.viewer, **{"Accept-Language": "en"}) as http:
            response = http.get(f"/v1/problems/{served.city_problem.id}")
    finally:
        problems.caller_actions = original
    assert response.status_code == 500
    assert problem_json(response)["type"] == "urn:govbiz:problem:http"
    assert "secret internals" not in response.text
    assert any("secret internals" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
