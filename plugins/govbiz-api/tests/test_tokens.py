"""API tokens: `govbiz token create|list|revoke`, a salted hash stored, and 401 once revoked or expired."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from api_test_server import Served, problem_json, serving
from click.testing import CliRunner
from govbiz_api import create_app
from govbiz_api.tables import TOKENS, ApiDatabase
from govbiz_api.tokens import TokenStore

from govbiz.cli import main
from govbiz.clock import ManualClock
from govbiz.domain import Actor, Role
from govbiz.ledger import Ledger
from tests.conftest import BEIJING, CITY, build_world


def cli(*args: str) -> dict[str, object] | list[dict[str, object]]:
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] | list[dict[str, object]] = json.loads(result.stdout)
    return parsed


def test_create_prints_the_token_once_and_stores_only_a_salted_hash(served: Served) -> None:
    created = cli(
        "token", "create", "--actor-id", "zgj-7", "--role", "department_handler", "--county", CITY,
        "--department", "430800-zgj", "--expires", "30", "--db", served.db_url,
    )  # fmt: skip
    assert isinstance(created, dict)
    text = str(created["token"])
    assert text.startswith("gbz_")
    assert (created["role"], created["department"], created["status"]) == (
        "department_handler",
        "430800-zgj",
        "active",
    )
    expires = datetime.fromisoformat(str(created["expires_at"])) - datetime.fromisoformat(
        str(created["created_at"])
    )
    assert expires == timedelta(days=30)
    engine = sa.create_engine(served.db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(TOKENS).where(TOKENS.c.id == created["id"])).all()
    engine.dispose()
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0])
    assert text.rsplit("_", 1)[1] not in stored  # the secret is nowhere in the row
    assert len(rows[0].salt) == 32
    assert len(rows[0].digest) == 64
    listed = cli("token", "list", "--db", served.db_url)
    assert isinstance(listed, list)
    assert "token" not in listed[0]
    assert [t["id"] for t in listed if t["actor_id"] == "zgj-7"] == [created["id"]]
    with served.client(**{"Authorization": f"Bearer {text}"}) as http:
        me = http.get("/v1/me").json()
    assert (me["actor_id"], me["role"], me["department"]) == ("zgj-7", "department_handler", "430800-zgj")


def test_a_revoked_token_is_refused_with_401(served: Served) -> None:
    created = cli(
        "token", "create", "--actor-id", "v-1", "--role", "viewer", "--county", CITY, "--db", served.db_url
    )
    assert isinstance(created, dict)
    header = {"Authorization": f"Bearer {created['token']}"}
    with served.client(**header) as http:
        assert http.get("/v1/problems").status_code == 200
        revoked = cli("token", "revoke", str(created["id"]), "--db", served.db_url)
        assert isinstance(revoked, dict)
        assert revoked["status"] == "revoked"
        refused = http.get("/v1/problems")
        refused_post = http.post("/v1/commands/SendReminder", json={"problem_id": served.city_problem.id})
    assert refused.status_code == 401
    assert problem_json(refused)["reason"] == "revoked"
    assert problem_json(refused_post)["reason"] == "revoked"
    listed = cli("token", "list", "--db", served.db_url)
    assert isinstance(listed, list)
    assert {t["id"]: t["status"] for t in listed}[created["id"]] == "revoked"


def test_bad_token_options_are_refused_and_create_nothing(served: Served) -> None:
    runner = CliRunner()
    no_department = runner.invoke(
        main,
        [
            "token",
            "create",
            "--actor-id",
            "d",
            "--role",
            "department_handler",
            "--county",
            CITY,
            "--db",
            served.db_url,
        ],
    )
    assert no_department.exit_code == 1
    assert "department" in no_department.output
    unknown_county = runner.invoke(
        main,
        [
            "token",
            "create",
            "--actor-id",
            "v",
            "--role",
            "viewer",
            "--county",
            "430999",
            "--db",
            served.db_url,
        ],
    )
    assert unknown_county.exit_code == 2
    assert "430999" in unknown_county.output
    missing = runner.invoke(main, ["token", "revoke", "0000", "--db", served.db_url])
    assert missing.exit_code == 1
    assert cli("token", "list", "--db", served.db_url) == []


def test_a_token_expires_on_a_2027_clock(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2027, 2, 5, 9, 0, tzinfo=BEIJING))  # the Friday before 春节 2027
    world = build_world(Ledger(clock=clock))
    world.ledger.clock = clock
    app = create_app(world.ledger)
    tokens = app.state.services.tokens
    viewer = Actor(id="view-2027", role=Role.VIEWER, county=CITY)
    issued = tokens.create(viewer, now=clock.now(), expires_in=timedelta(days=7))
    with serving(app) as base:
        header = {"Authorization": f"Bearer {issued.text}"}
        clock.set(datetime(2027, 2, 12, 8, 59, 59, tzinfo=BEIJING))
        assert httpx_get(base, header).status_code == 200
        clock.set(datetime(2027, 2, 12, 9, 0, tzinfo=BEIJING))
        expired = httpx_get(base, header)
        assert tokens.get(issued.token.id).status(clock.now()) == "expired"
    assert expired.status_code == 401
    assert problem_json(expired)["reason"] == "expired"


def httpx_get(base: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    import httpx

    return httpx.get(f"{base}/v1/problems", headers=headers, timeout=30)


def test_the_token_store_on_postgresql(pg_url: str) -> None:
    from govbiz_postgres import open_postgres

    from govbiz.testing.contract import CONTACT_KEYS

    clock = ManualClock(datetime(2028, 3, 1, 10, 0, tzinfo=BEIJING))
    # A shared server keeps no contacts in clear (#19): the world's enterprise contacts are sealed.
    world = build_world(Ledger(open_postgres(pg_url), clock=clock, contact_keys=CONTACT_KEYS))
    world.ledger.clock = clock
    created = cli(
        "token", "create", "--actor-id", "pg-1", "--role", "collector", "--county", CITY, "--db", pg_url
    )
    assert isinstance(created, dict)
    # A second process's view of the same database sees the token, and its revocation.
    other = Ledger(open_postgres(pg_url), clock=clock)
    app = create_app(other)
    with serving(app) as base:
        header = {"Authorization": f"Bearer {created['token']}"}
        assert httpx_get(base, header).status_code == 200
        store = TokenStore(ApiDatabase(world.ledger.store))
        assert store.authenticate(str(created["token"]), now=clock.now()).actor.id == "pg-1"
        store.revoke(str(created["id"]), now=clock.now())
        refused = httpx_get(base, header)
    assert problem_json(refused)["reason"] == "revoked"
    with world.ledger.store.reading() as conn:  # type: ignore[attr-defined]
        tables = set(sa.inspect(conn).get_table_names())
    assert {"govbiz_api_tokens", "govbiz_api_idempotency"} <= tables
    other.close()
    world.ledger.close()
