"""`GET /v1/scores`: the month's scores and 红黑榜 over HTTP, as `govbiz score --json` gives them."""

from __future__ import annotations

from api_test_server import Served, problem_json

from govbiz.domain import Actor, Role
from govbiz.metrics.score import monthly_scores
from tests.conftest import CITY, COUNTY


def test_the_scores_are_the_librarys(served: Served) -> None:
    world = served.world
    with served.client(world.viewer) as http:
        response = http.get("/v1/scores", params={"county": CITY, "month": "2025-03"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = monthly_scores(
        world.ledger.problems(world.supervisor), county=CITY, month="2025-03", as_of=world.clock.now()
    ).to_json()
    assert body == expected
    [zgj] = body["scores"]
    assert zgj["department"] == "430800-zgj"
    assert zgj["assigned"] == [served.city_problem.id]
    assert body["unranked"] == ["430800-zgj"]
    assert body["red_list"] == []
    assert body["as_of"] == world.clock.now().isoformat()  # the month under way: now


def test_a_county_token_never_scores_the_city(served: Served) -> None:
    yongding = Actor(id="yd-viewer", role=Role.VIEWER, county=COUNTY)
    with served.client(yongding) as http:
        refused = http.get("/v1/scores", params={"county": CITY, "month": "2025-03"})
        own = http.get("/v1/scores", params={"month": "2025-03"})
    assert refused.status_code in (403, 404)
    assert problem_json(refused)["status"] == refused.status_code
    assert own.status_code == 200
    assert own.json()["county"] == COUNTY
    assert own.json()["scores"] == []  # its problem is collected, not yet assigned


def test_a_bad_month_is_a_422_naming_it(served: Served) -> None:
    with served.client(served.world.viewer) as http:
        response = http.get("/v1/scores", params={"month": "2025-13"})
        missing = http.get("/v1/scores")
    assert problem_json(response)["field"] == "month"
    assert response.status_code == 422
    assert missing.status_code == 422


def test_the_route_is_in_the_openapi_document(served: Served) -> None:
    with served.client() as http:
        document = http.get("/openapi.json").json()
    route = document["paths"]["/v1/scores"]["get"]
    assert route["operationId"] == "getScores"
    assert {p["name"] for p in route["parameters"]} == {"county", "month", "as_of"}
    schema = route["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/MonthlyScoresOut"}
    assert "red_list" in document["components"]["schemas"]["MonthlyScoresOut"]["properties"]
    assert route["security"] == [{"HTTPBearer": []}]
