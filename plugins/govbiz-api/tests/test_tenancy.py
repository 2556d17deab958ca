"""Tenancy over HTTP: a county's token never reads or changes another county's problem on any route.

The library decides (the API has no rule of its own): a county sees only
itself, a city also its counties rolled up, and a department handler acts
only on its own assignments.
"""

from __future__ import annotations

from typing import Any

from api_test_server import Served, problem_json
from govbiz_api.routes.problems import SORTS

from govbiz import commands as c
from govbiz.domain import Actor, Role
from tests.conftest import CITY, COUNTY

#: A body for every command that names a problem, valid but for whose problem it is.
BODIES: dict[str, dict[str, Any]] = {
    "TriageProblem": {},
    "RejectProblem": {"reason": "不属于受理范围"},
    "MergeProblem": {"into": "430802-2025-0001"},
    "WithdrawProblem": {"reason": "企业已自行解决"},
    "ScheduleProblem": {"session_id": "430800-S0001"},
    "AssignProblem": {"lead": "430802-zrzy"},
    "ReassignProblem": {"lead": "430802-zrzy"},
    "SignAssignment": {},
    "ReturnAssignment": {"reason": "非本部门职责"},
    "ReportProgress": {"text": "已现场踏勘"},
    "ReportResult": {"outcome": "solved", "text": "已办结"},
    "RequestExtension": {"clock": "result", "new_last_day": "2025-06-30", "reason": "需补充材料"},
    "DecideExtension": {"approve": True},
    "SuspendProblem": {"reason": "等待法院裁定"},
    "ResumeProblem": {},
    "RecordReturnVisit": {"satisfied": True},
    "SendReminder": {},
    "LinkLastingRule": {"rule_id": "430800-R0001"},
    "DecideReturn": {"accept": True, "note": "同意退回"},
    "ReportCoHandling": {"text": "已会同办理"},
    "RecordVerification": {"redo": False, "explanation": "企业诉求超出政策范围"},
    "AppealRating": {"reason": "企业诉求不合法"},
    "DecideAppeal": {"grant": True, "note": "申诉成立"},
    "RecordImportedHistory": {
        "imported_file": "2025年台账.xlsx", "imported_row": 3, "assigned_at": "2025-03-02T12:00:00+08:00",
        "lead": "430802-zrzy",
    },
    "AttachFile": {
        "file_name": "签收单.pdf", "media_type": "application/pdf", "size": 12, "sha256": "a" * 64,
    },
}


def test_every_problem_command_is_covered() -> None:
    named = {cls.__name__ for cls in c.COMMANDS if "problem_id" in cls.model_fields}
    assert named == set(BODIES)


def every_role(county: str, department: str, enterprise: str) -> list[Actor]:
    """One actor of each role in `county`."""
    return [
        Actor(
            id=f"{county}-{role.value}",
            role=role,
            county=county,
            department=department if role is Role.DEPARTMENT_HANDLER else None,
            enterprise=enterprise if role is Role.ENTERPRISE_CONTACT else None,
        )
        for role in Role
    ]


def refuses_every_change(served: Served, actors: list[Actor], problem_id: str) -> None:
    """Every actor, on every problem command, changes nothing of `problem_id`."""
    before = served.version(problem_id)
    for actor in actors:
        with served.client(actor) as http:
            for name, body in BODIES.items():
                response = http.post(f"/v1/commands/{name}", json={"problem_id": problem_id, **body})
                # Refused, whatever the library checks first (scope, or a merge target's county).
                assert response.status_code in (403, 404, 422), (actor.role, name, response.text)
                assert problem_json(response)["status"] == response.status_code
    assert served.version(problem_id) == before


def test_a_county_token_neither_reads_nor_changes_the_city_s_problem(served: Served) -> None:
    city_problem = served.city_problem.id
    yongding = every_role(COUNTY, "430802-zrzy", served.county_enterprise)
    for actor in yongding:
        with served.client(actor) as http:
            assert problem_json(http.get(f"/v1/problems/{city_problem}"))["status"] == 404
            listed = [
                p["id"] for sort in SORTS for p in http.get(f"/v1/problems?sort={sort}").json()["items"]
            ]
            assert city_problem not in listed
            found = http.get("/v1/problems", params={"q": "五通一平"}).json()["items"]
            assert found == []
            assert http.get(f"/v1/records/enterprise/{served.world.enterprise_id}").status_code == 404
            assert http.get(f"/v1/sessions/{served.world.session_id}").status_code == 404
            assert served.world.session_id not in [s["id"] for s in http.get("/v1/sessions").json()]
            assert http.get("/v1/report", params={"county": CITY}).status_code in (403, 404)
    refuses_every_change(served, yongding, city_problem)


def test_the_city_reads_its_county_rolled_up_but_changes_nothing_of_it(served: Served) -> None:
    county_problem = served.county_problem.id
    city = every_role(CITY, "430800-zgj", served.world.enterprise_id)
    with served.client(served.world.viewer) as http:
        detail = http.get(f"/v1/problems/{county_problem}")
        assert detail.status_code == 200
        assert detail.json()["problem"]["county"] == COUNTY
        assert detail.json()["allowed_actions"] == []
    refuses_every_change(served, city, county_problem)


def test_another_city_sees_nothing_of_zhangjiajie(served: Served) -> None:
    changsha_admin = Actor(id="cs-admin", role=Role.ADMINISTRATOR, county="430100")
    served.world.ledger.handle(changsha_admin, c.RegisterDivision(code="430100", name="长沙市", level="city"))
    changsha = every_role("430100", "430100-zgj", "430100-E00001")
    with served.client(changsha[0]) as http:
        assert http.get("/v1/problems").json() == {"items": [], "next_cursor": None}
        for problem in (served.city_problem, served.county_problem):
            assert http.get(f"/v1/problems/{problem.id}").status_code == 404
    refuses_every_change(served, changsha, served.city_problem.id)


def test_a_department_acts_only_on_its_own_assignments(served: Served) -> None:
    world, problem = served.world, served.city_problem.id
    xcb = Actor(id="xcb-1", role=Role.DEPARTMENT_HANDLER, county=CITY, department="430800-xcb")
    with served.client(xcb) as http:
        assert http.get(f"/v1/problems/{problem}").json()["allowed_actions"] == []
        for name in ("SignAssignment", "ReportProgress", "ReturnAssignment"):
            refused = http.post(f"/v1/commands/{name}", json={"problem_id": problem, **BODIES[name]})
            assert refused.status_code == 403
            assert "430800-xcb" in problem_json(refused)["reason"]
    with served.client(world.zjj) as http:  # the co-handler: progress yes, signing no
        actions = {a["action"] for a in http.get(f"/v1/problems/{problem}").json()["allowed_actions"]}
        assert "sign" not in actions
        refused = http.post("/v1/commands/SignAssignment", json={"problem_id": problem})
        assert refused.status_code == 403
        assert "430800-zgj" in problem_json(refused)["reason"]  # names the department that may
    assert served.version(problem) == served.city_problem.version
    with served.client(world.zgj) as http:
        actions = {a["action"] for a in http.get(f"/v1/problems/{problem}").json()["allowed_actions"]}
        assert {"sign", "return"} <= actions
        signed = http.post("/v1/commands/SignAssignment", json={"problem_id": problem})
        assert signed.status_code == 200, signed.text
        assert signed.json()["state"] == "signed"
