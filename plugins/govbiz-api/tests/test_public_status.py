"""办理进度自助查询 over HTTP: number and query code, nothing personal, wrong codes limited."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest
from api_test_server import Served, problem_json
from govbiz_api.status import QueryCodes, StatusAttempts, StatusLimits, TooManyAttemptsError
from govbiz_api.tables import ApiDatabase

from govbiz.ledger import Ledger
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import BEIJING


def query_code(served: Served) -> str:
    with served.client(served.world.collector) as http:
        answer = http.get(f"/v1/problems/{served.city_problem.id}/query-code").json()
    assert answer["number"] == served.city_problem.id
    code = str(answer["code"])
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    return code


def lookup(served: Served, number: str, code: str) -> httpx.Response:
    return httpx.get(f"{served.base}/v1/public/status", params={"number": number, "code": code}, timeout=30)


def test_the_enterprise_sees_state_department_and_deadlines_and_nothing_personal(served: Served) -> None:
    code, number = query_code(served), served.city_problem.id
    shown = lookup(served, number, code)
    assert shown.status_code == 200, shown.text
    status = shown.json()
    assert set(status) == {"number", "title", "state", "state_zh", "lead_department", "deadlines"}
    assert (status["state"], status["state_zh"], status["lead_department"]) == (
        "assigned",
        "已交办待签收",
        "市自规局",
    )
    assert {d["clock"]: d["met"] for d in status["deadlines"]} == {
        "sign": None,
        "progress": None,
        "result": None,
    }
    for personal in ("施奕清", "13812345678", "138****5678", "久瑞", "tzb-1", "sw-sj"):
        assert personal not in shown.text
    # The code is forgiving of case and hyphens.
    assert lookup(served, number, code.lower().replace("-", " ")).status_code == 200


def test_met_and_missed_deadlines(served: Served) -> None:
    code, number, world = query_code(served), served.city_problem.id, served.world
    with served.client(world.zgj) as http:
        http.post("/v1/commands/SignAssignment", json={"problem_id": number}).raise_for_status()
    world.clock.set(datetime(2025, 4, 11, 9, 0, tzinfo=BEIJING))  # the progress report's last day has passed
    status = lookup(served, number, code).json()
    assert {d["clock"]: d["met"] for d in status["deadlines"]} == {
        "sign": True,
        "progress": False,
        "result": None,
    }
    assert status["state_zh"] == "已签收"


def test_a_wrong_code_and_an_unknown_number_look_the_same(served: Served) -> None:
    code = query_code(served)
    wrong_code = lookup(served, served.city_problem.id, "2222-2222" if code != "2222-2222" else "3333-3333")
    unknown = lookup(served, "430800-2025-9999", code)
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.json() == unknown.json()
    assert problem_json(unknown)["title"] == "查询号或查询码不正确"


def test_wrong_codes_are_limited_per_address_then_allowed_again(served: Served) -> None:
    code, number = query_code(served), served.city_problem.id
    for _ in range(10):
        assert lookup(served, number, "AAAA-AAAA").status_code == 404
    limited = lookup(served, number, code)  # even the right code: guessing must not pay
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "900"
    assert problem_json(limited)["title"] == "请求过于频繁"
    served.world.clock.advance(timedelta(minutes=15, seconds=1))
    assert lookup(served, number, code).status_code == 200


def test_wrong_codes_are_limited_per_number_from_any_address_and_codes_are_shared(served: Served) -> None:
    other = Ledger(open_sqlite(served.db_url), clock=served.world.clock)
    database = ApiDatabase(other.store)  # another process's view of the same database
    attempts = StatusAttempts(database, StatusLimits(per_client=100, per_number=3))
    now = served.world.clock.now()
    for n in range(3):
        attempts.check(f"10.0.0.{n}", "430800-2025-0001", now=now)
        attempts.wrong(f"10.0.0.{n}", "430800-2025-0001", now=now)
    with pytest.raises(TooManyAttemptsError) as refused:
        attempts.check("10.0.0.99", "430800-2025-0001", now=now)
    assert refused.value.retry_after == 3600
    attempts.check("10.0.0.99", "430800-2025-0002", now=now)  # another number is not limited
    assert QueryCodes(database).code(served.city_problem.id) == query_code(served)
    other.close()
