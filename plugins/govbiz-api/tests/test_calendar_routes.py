"""The calendar over HTTP: a day, a due date explained, the years covered, for the caller's county."""

from __future__ import annotations

from api_test_server import Served, problem_json


def test_a_day_a_due_date_and_the_status(served: Served) -> None:
    with served.client(served.world.viewer) as http:
        qingming = http.get("/v1/calendar/days/2025-04-04").json()
        workday = http.get("/v1/calendar/days/2026-09-20").json()  # a Sunday worked for 国庆 2026
        due = http.get("/v1/calendar/due", params={"start": "2026-09-28T10:00", "clock": "progress"}).json()
        due_en = http.get(
            "/v1/calendar/due", params={"start": "2026-09-28T10:00"}, headers={"Accept-Language": "en"}
        ).json()
        status = http.get("/v1/calendar/status", params={"as_of": "2026-12-03T09:00"}).json()
        unknown_clock = http.get("/v1/calendar/due", params={"start": "2026-09-28T10:00", "clock": "nope"})
    assert (qingming["working"], qingming["holiday"]) == (False, "清明节")
    assert workday["working"] is True
    assert due["start"] == "2026-09-28T10:00:00+08:00"
    assert due["last_day"] == "2026-10-13"  # 国庆 not counted, the Saturday 10-10 worked
    assert "工作日" in due["explanation"]
    assert "working day" in due_en["explanation"]
    assert status["today"] == "2026-12-03"
    assert 2026 in {y["year"] for y in status["years"] if y["status"] == "official"}
    assert problem_json(unknown_clock)["status"] == 422
