"""Optimistic concurrency over HTTP: ETag, If-Match (412) and a lost race (409 with the current version)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from api_test_server import Served, problem_json, serving, start
from govbiz_api import create_app

from govbiz import commands as c
from govbiz.domain import Problem
from govbiz.ledger import Ledger
from govbiz.ports.storage import UnitOfWork
from govbiz.storage.delegating import DelegatingStore, DelegatingUnitOfWork
from govbiz.storage.sql.sqlite import open_sqlite


def test_a_problem_carries_its_version_as_etag_and_a_stale_if_match_is_412(served: Served) -> None:
    problem_id, zgj = served.city_problem.id, served.world.zgj
    with served.client(zgj) as http:
        shown = http.get(f"/v1/problems/{problem_id}")
        version = shown.json()["problem"]["version"]
        assert shown.headers["etag"] == f'"{version}"'
        stale = http.post(
            "/v1/commands/SignAssignment",
            json={"problem_id": problem_id},
            headers={"If-Match": f'"{version - 1}"'},
        )
        assert stale.status_code == 412
        body = problem_json(stale)
        assert body["current_version"] == version
        assert stale.headers["etag"] == f'"{version}"'
        assert served.version(problem_id) == version  # nothing changed
        signed = http.post(
            "/v1/commands/SignAssignment",
            json={"problem_id": problem_id},
            headers={"If-Match": f'W/"{version}"'},
        )
        assert signed.status_code == 200, signed.text
        assert signed.headers["etag"] == f'"{version + 1}"'
        assert signed.json()["version"] == version + 1
        progress = http.post(
            "/v1/commands/ReportProgress",
            json={"problem_id": problem_id, "text": "已现场踏勘"},
            headers={"If-Match": "*"},
        )
        assert progress.status_code == 200
        assert progress.json()["state"] == "in_progress"


class Racing(DelegatingStore):
    """A store on which, at the `after`-th problem read, another writer changes that problem."""

    def __init__(
        self, inner: DelegatingStore | object, meanwhile: Callable[[str], None], *, after: int
    ) -> None:
        super().__init__(inner)  # type: ignore[arg-type]
        self.meanwhile = meanwhile
        self.after = after
        self.reads = 0

    def wrap(self, unit: UnitOfWork) -> UnitOfWork:
        return _RacingUnit(unit, self)


class _RacingUnit(DelegatingUnitOfWork):
    def __init__(self, inner: UnitOfWork, store: Racing) -> None:
        super().__init__(inner)
        self.store = store

    def get_problem(self, problem_id: str) -> Problem | None:
        found = self.inner.get_problem(problem_id)
        self.store.reads += 1
        if self.store.reads == self.store.after:
            self.store.meanwhile(problem_id)
        return found


def racing_server(tmp_path: Path, *, after: int) -> tuple[Served, Racing]:
    world, db_url, city_problem, county_problem, county_enterprise = start(tmp_path)

    def remind(problem_id: str) -> None:  # another process's supervisor, on the same database
        world.ledger.handle(world.supervisor, c.SendReminder(problem_id=problem_id, note="请抓紧办理"))

    store = Racing(open_sqlite(db_url), remind, after=after)
    app = create_app(Ledger(store, clock=world.clock))
    return Served(world, db_url, "", app, city_problem, county_problem, county_enterprise), store


def test_a_lost_race_without_if_match_is_409_with_the_current_version(tmp_path: Path) -> None:
    served, store = racing_server(tmp_path, after=1)
    problem_id = served.city_problem.id
    before = served.version(problem_id)
    with serving(served.app) as base:
        served.base = base
        with served.client(served.world.zgj) as http:
            lost = http.post("/v1/commands/SignAssignment", json={"problem_id": problem_id})
    assert lost.status_code == 409, lost.text
    body = problem_json(lost)
    assert body["type"] == "urn:govbiz:problem:conflict"
    assert body["current_version"] == before + 1  # the reminder's
    assert lost.headers["etag"] == f'"{before + 1}"'
    assert served.world.ledger.problem(served.world.admin, problem_id).state.value == "assigned"
    store.close()
    served.world.ledger.close()


def test_a_race_lost_after_the_if_match_check_is_412_and_changes_nothing(tmp_path: Path) -> None:
    # Read 1 is the If-Match check, read 2 the command's own: the other writer commits between.
    served, store = racing_server(tmp_path, after=2)
    problem_id = served.city_problem.id
    before = served.version(problem_id)
    with serving(served.app) as base:
        served.base = base
        with served.client(served.world.zgj) as http:
            lost = http.post(
                "/v1/commands/SignAssignment",
                json={"problem_id": problem_id},
                headers={"If-Match": f'"{before}"'},
            )
    assert lost.status_code == 412, lost.text
    assert problem_json(lost)["current_version"] == before + 1
    after = served.world.ledger.problem(served.world.admin, problem_id)
    assert (after.version, after.state.value) == (before + 1, "assigned")  # only the reminder
    store.close()
    served.world.ledger.close()
