"""`GET /v1/audit/verify`: `govbiz verify` for administrators, in their divisions, keyed by configuration."""

from __future__ import annotations

from pathlib import Path

import attrs
import httpx
import pytest
from api_test_server import Served, problem_json, serving
from click.testing import CliRunner
from govbiz_api import create_app

from govbiz.cli import main
from govbiz.domain import Actor, Role
from govbiz.testing.tampering import put_events
from tests.conftest import COUNTY


def _verify(served: Served, actor: Actor, base: str | None = None) -> httpx.Response:
    with served.client(actor) as http:
        return http.get(f"{base or served.base}/v1/audit/verify")


def test_an_administrator_sees_the_check_and_a_department_is_refused(served: Served) -> None:
    world = served.world
    answer = _verify(served, world.admin)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["intact"], report["anchored"], report["findings"]) == (True, False, [])
    assert report["events"] > 0
    for actor in (world.zgj, world.supervisor, world.collector):
        refused = _verify(served, actor)
        assert refused.status_code == 403, (actor.role, refused.text)
        assert problem_json(refused)["status"] == 403


def test_a_rewritten_event_is_reported_to_the_administrators_who_see_its_county(served: Served) -> None:
    world = served.world
    store = world.ledger.store
    with store.unit_of_work() as uow:
        first = uow.events("problem", served.city_problem.id)[0]
    put_events(store, [attrs.evolve(first, payload={**first.payload, "title": "改过的标题"})])  # type: ignore[arg-type]

    city = _verify(served, world.admin).json()
    assert city["intact"] is False
    assert {(f["stream_id"], f["finding"]) for f in city["findings"]} >= {(served.city_problem.id, "edited")}
    # Yongding's administrator sees its own county, where nothing was touched.
    county_admin = Actor(id="yd-admin", role=Role.ADMINISTRATOR, county=COUNTY)
    county = _verify(served, county_admin).json()
    assert (county["intact"], county["findings"]) == (True, [])
    assert 0 < county["events"] < city["events"]


def test_the_checkpoints_are_checked_with_the_configured_key_only(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    private, public = tmp_path / "checkpoint.pem", tmp_path / "checkpoint.pub.pem"
    made = runner.invoke(main, ["audit", "keygen", "--private", str(private), "--public", str(public)])
    assert made.exit_code == 0, made.output
    signed = runner.invoke(main, ["audit", "checkpoint", "--db", served.db_url, "--key", str(private)])
    assert signed.exit_code == 0, signed.output
    monkeypatch.setenv("GOVBIZ_CHECKPOINT_PUBLIC_KEY", str(public))
    with serving(create_app(served.world.ledger)) as base:
        served.tokens.clear()  # the new app has the same token table: a token of the served one works
        report = _verify(served, served.world.admin, base).json()
    assert (report["intact"], report["anchored"], report["checkpoints"]) == (True, True, 1)
