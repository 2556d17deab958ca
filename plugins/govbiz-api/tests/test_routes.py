"""The queries over HTTP: problem lists (filters, sort, cursor), one problem, sessions, records, reports,
and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_test_server import Served, problem_json

from govbiz import commands as c
from govbiz.domain import Problem
from tests.conftest import CITY


def more_problems(served: Served) -> list[Problem]:
    """Five more city problems, collected an hour apart, the last two of them about 融资."""
    world, made = served.world, []
    for n in range(5):
        world.later(hours=1)
        made.append(
            world.collect(
                title=f"问题{n}：{'贷款贴息' if n >= 3 else '道路'}",
                category="融资" if n >= 3 else "土地规划",
            )
        )
    return made


def test_pages_follow_the_cursor_without_repeats_in_every_sort(served: Served) -> None:
    more_problems(served)
    with served.client(served.world.viewer) as http:
        everything = http.get("/v1/problems", params={"county": CITY, "limit": 500}).json()["items"]
        assert len(everything) == 6
        for sort in ("id", "-id", "collected_at", "-collected_at", "updated_at", "due", "-due"):
            seen: list[str] = []
            cursor = None
            while True:
                params = {"county": CITY, "sort": sort, "limit": 4, **({"cursor": cursor} if cursor else {})}
                page = http.get("/v1/problems", params=params).json()
                seen += [p["id"] for p in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert sorted(seen) == sorted(p["id"] for p in everything), sort
            assert len(seen) == len(set(seen))
        newest_first = http.get("/v1/problems", params={"county": CITY, "sort": "-collected_at"}).json()[
            "items"
        ]
        assert [p["collected_at"] for p in newest_first] == sorted(
            (p["collected_at"] for p in everything), reverse=True
        )
        by_due = http.get("/v1/problems", params={"county": CITY, "sort": "due"}).json()["items"]
        assert by_due[0]["id"] == served.city_problem.id  # the only one with a running clock
        wrong = http.get("/v1/problems", params={"sort": "id", "cursor": page_cursor(http)})
        assert problem_json(wrong)["field"] == "cursor"
        garbage = http.get("/v1/problems", params={"cursor": "not-a-cursor!"})
        assert problem_json(garbage)["field"] == "cursor"


def page_cursor(http: object) -> str:
    """A cursor made for another sort."""
    import httpx

    assert isinstance(http, httpx.Client)
    cursor = http.get("/v1/problems", params={"county": CITY, "sort": "-id", "limit": 1}).json()[
        "next_cursor"
    ]
    assert isinstance(cursor, str)
    return cursor


def test_the_filters(served: Served) -> None:
    made = more_problems(served)
    world, assigned = served.world, served.city_problem
    with served.client(world.viewer) as http:

        def ids(**params: object) -> list[str]:
            response = http.get("/v1/problems", params={"county": CITY, **params})  # type: ignore[arg-type]
            assert response.status_code == 200, response.text
            return [p["id"] for p in response.json()["items"]]

        assert ids(category="融资") == [made[3].id, made[4].id]
        assert ids(state="assigned") == [assigned.id]
        assert sorted(ids(state=["assigned", "collected"])) == sorted([assigned.id, *(p.id for p in made)])
        assert ids(department="430800-zjj") == [assigned.id]  # a co-handler
        assert ids(lead="430800-zjj") == []
        assert ids(lead="430800-zgj") == [assigned.id]
        assert ids(session=world.session_id) == [assigned.id]
        assert len(ids(enterprise=world.enterprise_id)) == 6
        assert ids(q="贷款") == [made[3].id, made[4].id]
        assert ids(q="五通一平") == [assigned.id]
        sign_cutoff = assigned.assignment.deadlines[0].cutoff if assigned.assignment else None
        assert sign_cutoff is not None
        assert ids(due_before=sign_cutoff.isoformat()) == [assigned.id]
        assert ids(due_before=(sign_cutoff - timedelta(days=5)).isoformat()) == []
        assert ids(due_after=(sign_cutoff + timedelta(days=60)).isoformat()) == []
        window = {
            "due_after": (sign_cutoff + timedelta(days=1)).isoformat(),
            "due_before": "2025-04-12T00:00",
        }
        assert ids(**window) == [assigned.id]  # the progress clock (cutoff 2025-04-11), Beijing time
    with served.client(world.county_collector) as http:  # a county caller may not narrow to the city
        refused = http.get("/v1/problems", params={"county": CITY})
    assert problem_json(refused)["status"] == 403


def test_one_problem_with_history_deadlines_and_the_caller_s_actions(served: Served) -> None:
    problem_id = served.city_problem.id
    with served.client(served.world.chair, **{"Accept-Language": "en"}) as http:
        detail = http.get(f"/v1/problems/{problem_id}").json()
    assert [e["kind"] for e in detail["history"]] == ["collect", "triage", "schedule", "assign"]
    assert detail["history"][-1]["state_after"] == "assigned"
    deadlines = {d["clock"]: d for d in detail["deadlines"]}
    # The assignment has a co-handler, so its reply to the lead has a clock of its own (协办, #22).
    assert set(deadlines) == {"sign", "progress", "result", "co_handling"}
    assert deadlines["progress"]["last_day"] == "2025-04-10"
    running = {due.clock for due in served.city_problem.open_deadlines()}
    assert "sign" in running
    assert {clock for clock, d in deadlines.items() if d["open"]} == running
    assert "working day" in deadlines["progress"]["explanation"]
    assert "2025-04-04" in deadlines["progress"]["explanation"]  # 清明: not counted
    assert {a["action"] for a in detail["allowed_actions"]} <= {
        "reassign",
        "remind",
        "suspend",
        "decide_extension",
    }
    with served.client(served.world.zgj) as http:
        zh = http.get(f"/v1/problems/{problem_id}").json()
    assert "工作日" in {d["clock"]: d for d in zh["deadlines"]}["progress"]["explanation"]
    assert {a["action"]: a["label_zh"] for a in zh["allowed_actions"]}["sign"] == "签收"


def test_sessions_and_records_with_contacts_masked(served: Served) -> None:
    world = served.world
    with served.client(world.admin) as http:
        sessions = http.get("/v1/sessions").json()
        agenda = http.get(f"/v1/sessions/{world.session_id}").json()
        enterprise = http.get(f"/v1/records/enterprise/{world.enterprise_id}").json()
        departments = http.get("/v1/records/department").json()
        divisions = http.get("/v1/records/division").json()
        no_reason = http.get(f"/v1/records/enterprise/{world.enterprise_id}", params={"reveal": "contacts"})
        revealed = http.get(f"/v1/records/enterprise/{world.enterprise_id}",
                            params={"reveal": "contacts", "reason": "回访前核对联系电话"})  # fmt: skip
        in_a_list = http.get("/v1/records/enterprise", params={"reveal": "contacts"})
        bad_kind = http.get("/v1/records/spaceship")
    with served.client(world.chair) as http:  # a chair may act, not see personal data
        refused = http.get(f"/v1/records/enterprise/{world.enterprise_id}",
                           params={"reveal": "contacts", "reason": "好奇"})  # fmt: skip
    assert [s["id"] for s in sessions] == [world.session_id]
    assert agenda["session"]["chair"]["title"] == "市委书记"
    assert [p["id"] for p in agenda["agenda"]] == [served.city_problem.id]
    assert enterprise["contacts"] == []  # a query never holds contacts (#19: sealed at rest)
    assert "13812345678" not in str(enterprise)
    assert problem_json(no_reason)["status"] == 422
    assert problem_json(no_reason)["field"] == "reason"
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["contacts"] == [{"name": "施奕清", "phone": "13812345678", "position": "副总经理"}]
    assert problem_json(in_a_list)["status"] == 422
    assert problem_json(refused)["status"] == 403
    assert "13812345678" not in refused.text
    with served.world.ledger.store.unit_of_work() as uow:  # the reveal is in the audit trail
        kinds = [e.kind for e in uow.events("enterprise", world.enterprise_id)]
    assert kinds.count("contacts_revealed") == 1
    assert {"430800-zgj", "430800-zjj", "430800-xcb"} <= {d["code"] for d in departments}
    assert {d["code"] for d in divisions} == {"430800", "430802"}
    assert problem_json(bad_kind)["status"] == 422


@pytest.mark.parametrize(
    ("fmt", "media", "starts"),
    [
        ("json", "application/json", b"{"),
        ("csv", "text/csv", None),
        ("html", "text/html", b"<!"),
        ("md", "text/markdown", "# 张家界市".encode()),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ],
)
def test_the_report_in_every_installed_format(
    served: Served, fmt: str, media: str, starts: bytes | None
) -> None:
    with served.client(served.world.viewer) as http:
        response = http.get("/v1/report", params={"format": fmt, "as_of": "2025-04-30T18:00:00+08:00"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    if starts is not None:
        assert response.content.lstrip(b"\xef\xbb\xbf").startswith(starts)
    if fmt == "json":
        assert "2025-04-30" in response.text
    else:
        assert response.headers["content-disposition"].endswith(f'report-2025-04-30.{fmt}"')


def test_an_unknown_report_format_names_the_installed_ones(served: Served) -> None:
    with served.client(served.world.viewer) as http:
        response = http.get("/v1/report", params={"format": "pdf"})
    body = problem_json(response)
    assert body["field"] == "format"
    assert "xlsx" in body["reason"]


def test_the_openapi_document_has_every_command_s_schema(served: Served) -> None:
    with served.client() as http:
        document = http.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]
    for command in c.COMMANDS:
        path = document["paths"][f"/v1/commands/{command.__name__}"]["post"]
        body = path["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{command.__name__}"}
        assert set(schemas[command.__name__]["properties"]) == set(command.model_fields)
        assert "412" in path["responses"]
    assert schemas["AssignProblem"]["required"] == ["problem_id", "lead"]
    assert {"/v1/problems", "/v1/problems/{problem_id}", "/v1/sessions", "/v1/report"} <= set(
        document["paths"]
    )
    assert all(p.startswith("/v1/") for p in document["paths"])
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert document["paths"]["/v1/problems"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in document["paths"]["/v1/public/status"]["get"]
    refs = _refs(document)
    assert refs <= {f"#/components/schemas/{name}" for name in schemas}  # nothing dangling


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_what_schemathesis_found_stays_fixed(served: Served) -> None:
    """A body that is not UTF-8 is the caller's 422, not a 500; `RevealContacts` answers its contacts."""
    world = served.world
    with served.client(world.admin) as http:
        garbled = http.post("/v1/commands/SendReminder", content=b"\xff\xfe{",
                            headers={"Content-Type": "application/json"})  # fmt: skip
        reveal = {"enterprise_id": world.enterprise_id, "reason": "回访前核对联系电话"}
        revealed = http.post("/v1/commands/RevealContacts", json=reveal)
        document = http.get("/openapi.json").json()
    assert problem_json(garbled)["status"] == 422
    assert "UTF-8" in garbled.json()["detail"]
    assert revealed.status_code == 200, revealed.text
    assert revealed.json() == [{"name": "施奕清", "phone": "13812345678", "position": "副总经理"}]
    listed = document["paths"]["/v1/problems"]["get"]["responses"]
    assert {"401", "403", "404", "422", "429"} <= set(listed)
    assert list(listed["422"]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
