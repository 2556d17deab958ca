"""Rate limits: per token on every route, per client address on the public status lookup."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from api_test_server import Served, problem_json, serving
from click.testing import CliRunner
from govbiz_api import create_app
from govbiz_api.app import SHARED_LIMITS_ENV
from govbiz_api.limits import (
    CLIENT_RATE_ENV,
    TOKEN_RATE_ENV,
    RateLimit,
    RateLimiter,
    SharedRateLimiter,
    limit_from_environment,
)
from govbiz_api.server import app_from_environment
from govbiz_api.tables import RATE_LIMITS, ApiDatabase
from govbiz_api.tokens import TokenRefusedError, TokenStore
from govbiz_postgres import open_postgres
from sqlalchemy.dialects import postgresql

from govbiz.cli import main
from govbiz.errors import GovbizError, ValidationError
from govbiz.ledger import Ledger
from govbiz.storage.sql.sqlite import open_sqlite
from tests.conftest import BEIJING, build_world


def test_the_window_slides() -> None:
    limiter = RateLimiter(RateLimit(3, timedelta(seconds=10)))
    start = datetime(2026, 12, 3, 9, 0, tzinfo=BEIJING)
    for second in (0, 1, 2):
        limiter.hit("t", start + timedelta(seconds=second))
    with pytest.raises(GovbizError) as refused:
        limiter.hit("t", start + timedelta(seconds=5))
    assert getattr(refused.value, "retry_after", None) == 5  # until the first request leaves the window
    limiter.hit("other", start + timedelta(seconds=5))  # keys are counted apart
    limiter.hit("t", start + timedelta(seconds=10))
    RateLimiter(RateLimit(0)).hit("t", start)  # 0: no limit


def test_a_token_past_its_limit_gets_429_and_others_do_not(served: Served) -> None:
    app = create_app(served.world.ledger, per_token=RateLimit(5), per_client=RateLimit(2))
    tokens = app.state.services.tokens
    viewer = tokens.create(served.world.viewer, now=served.world.clock.now()).text
    chair = tokens.create(served.world.chair, now=served.world.clock.now()).text
    with serving(app) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {viewer}"}) as http:
            answers = [http.get("/v1/problems").status_code for _ in range(6)]
            refused = http.get("/v1/me")
        assert answers == [200] * 5 + [429]
        assert problem_json(refused)["type"] == "urn:govbiz:problem:too-many-attempts"
        assert int(refused.headers["retry-after"]) >= 1
        assert httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {chair}"}).status_code == 200
        public = [
            httpx.get(f"{base}/v1/public/status", params={"number": "x", "code": "y"}).status_code
            for _ in range(3)
        ]
        assert public == [404, 404, 429]
        served.world.clock.advance(timedelta(minutes=1))
        assert httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200


def test_a_shared_limit_counts_every_process_in_fixed_windows(tmp_path: Path) -> None:
    """Two databases objects on one file stand for two processes: they count against one limit."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledgers = [Ledger(open_sqlite(url)), Ledger(open_sqlite(url))]
    every_10s = RateLimit(3, timedelta(seconds=10))
    limiters = [SharedRateLimiter(every_10s, ApiDatabase(ledger.store), "token") for ledger in ledgers]
    start = datetime(2026, 12, 3, 9, 0, 0, tzinfo=BEIJING)  # on a window boundary (a multiple of 10 s)
    limiters[0].hit("t", start)
    limiters[1].hit("t", start + timedelta(seconds=1))
    limiters[0].hit("t", start + timedelta(seconds=2))
    with pytest.raises(GovbizError) as refused:
        limiters[1].hit("t", start + timedelta(seconds=4))
    assert getattr(refused.value, "retry_after", None) == 6  # until the window ends
    limiters[1].hit("other", start + timedelta(seconds=4))  # keys are counted apart ...
    SharedRateLimiter(RateLimit(3), ApiDatabase(ledgers[0].store), "client").hit("t", start)  # ... and scopes
    limiters[1].hit("t", start + timedelta(seconds=10))  # a new window
    SharedRateLimiter(RateLimit(0), ApiDatabase(ledgers[0].store), "token").hit("t", start)  # 0: no limit
    for ledger in ledgers:
        ledger.close()


def test_limits_are_shared_when_told_and_kept_in_one_process_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SHARED_LIMITS_ENV, raising=False)
    ledger = Ledger(open_sqlite(f"sqlite:///{tmp_path / 'ledger.db'}"))
    assert isinstance(create_app(ledger).state.services.per_token, RateLimiter)  # one process: no query
    assert isinstance(create_app(ledger, shared_limits=True).state.services.per_token, SharedRateLimiter)
    monkeypatch.setenv(SHARED_LIMITS_ENV, "1")  # what `govbiz serve --workers 2` sets
    assert isinstance(create_app(ledger).state.services.per_client, SharedRateLimiter)
    ledger.close()


def test_two_servers_on_postgresql_share_a_token_s_limit(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVBIZ_CONTACTS_IN_CLEAR", "1")
    monkeypatch.delenv(SHARED_LIMITS_ENV, raising=False)
    world = build_world(Ledger(open_postgres(pg_url)))
    other = Ledger(open_postgres(pg_url), clock=world.clock)  # its own ledger and pool, as a process has
    apps = [create_app(world.ledger, per_token=RateLimit(6)), create_app(other, per_token=RateLimit(6))]
    assert all(isinstance(app.state.services.per_token, SharedRateLimiter) for app in apps)  # PostgreSQL
    token = apps[0].state.services.tokens.create(world.viewer, now=world.clock.now()).text
    headers = {"Authorization": f"Bearer {token}"}
    with serving(apps[0]) as first, serving(apps[1]) as second:
        answers = [httpx.get(f"{base}/v1/me", headers=headers).status_code for base in [first, second] * 4]
    assert answers == [200] * 6 + [429, 429]  # 6 in all, not 6 per server
    with world.ledger.store.reading() as conn:  # type: ignore[attr-defined]
        persistence = conn.execute(
            sa.text("SELECT relpersistence FROM pg_class WHERE relname = 'govbiz_api_rate_limits'")
        ).scalar_one()
    assert persistence == "u"  # UNLOGGED: counters that need no WAL flush
    other.close()
    world.ledger.close()


def test_serve_s_rate_options_reach_the_application(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`govbiz serve --token-rate N` travels to each worker as `$GOVBIZ_API_TOKEN_RATE`."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    Ledger(open_sqlite(url)).close()
    monkeypatch.setenv("GOVBIZ_DB", url)
    monkeypatch.setenv(TOKEN_RATE_ENV, "6000")
    monkeypatch.setenv(CLIENT_RATE_ENV, "0")
    found = app_from_environment().state.services
    assert found.per_token.limit == RateLimit(6000)
    assert found.per_client.limit == RateLimit(0)  # 0: no limit
    found.ledger.close()
    monkeypatch.delenv(CLIENT_RATE_ENV)
    assert limit_from_environment(CLIENT_RATE_ENV, RateLimit(60)) == RateLimit(60)  # unset: the default
    for wrong in ("-1", "6k", "1.5", "99999999"):
        monkeypatch.setenv(TOKEN_RATE_ENV, wrong)
        with pytest.raises(ValidationError) as refused:
            limit_from_environment(TOKEN_RATE_ENV, RateLimit(600))
        assert (refused.value.field, refused.value.value) == (TOKEN_RATE_ENV, wrong)


def test_serve_stops_at_start_on_a_bad_rate_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    Ledger(open_sqlite(url)).close()
    monkeypatch.setenv(TOKEN_RATE_ENV, "lots")
    result = CliRunner().invoke(main, ["serve", "--db", url, "--port", "0"])
    assert result.exit_code == 1
    assert TOKEN_RATE_ENV in result.output
    assert "lots" in result.output
    refused = CliRunner().invoke(main, ["serve", "--db", url, "--token-rate", "-5"])
    assert refused.exit_code == 2
    assert "--token-rate" in refused.output


def test_on_postgresql_a_known_token_is_checked_and_counted_in_one_statement(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVBIZ_CONTACTS_IN_CLEAR", "1")
    world = build_world(Ledger(open_postgres(pg_url)))
    database = ApiDatabase(world.ledger.store)
    tokens, limit = TokenStore(database), SharedRateLimiter(RateLimit(3), database, "token")
    now = datetime(2026, 12, 4, 9, 0, 0, tzinfo=BEIJING)  # on a minute's boundary
    issued = tokens.create(world.viewer, now=now, expires_in=timedelta(days=1))
    statements: list[str] = []
    sent = database.first_row

    def first_row(statement: sa.Executable, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        statements.append(str(statement.compile(dialect=postgresql.dialect())))  # type: ignore[attr-defined]
        return sent(statement, values)

    monkeypatch.setattr(database, "first_row", first_row)

    def counts(token_id: str = issued.token.id) -> list[int]:
        counted = sa.select(RATE_LIMITS.c.count).where(RATE_LIMITS.c.key == token_id)
        with database.reading() as conn:
            return list(conn.execute(counted).scalars())

    first = tokens.authenticate(issued.text, now=now, counting=limit)  # read, then counted: two statements
    assert first.actor == world.viewer
    assert counts() == [1]
    wrong = issued.text[:-4] + ("aaaa" if not issued.text.endswith("aaaa") else "bbbb")
    with pytest.raises(TokenRefusedError) as refused:
        tokens.authenticate(wrong, now=now, counting=limit)  # the id is known, the secret is not its own
    assert refused.value.reason == "unknown"
    assert counts() == [1]  # a wrong secret is never counted
    tokens.authenticate(issued.text, now=now + timedelta(seconds=1), counting=limit)
    tokens.authenticate(issued.text, now=now + timedelta(seconds=2), counting=limit)
    assert counts() == [3]
    with pytest.raises(GovbizError) as limited:
        tokens.authenticate(issued.text, now=now + timedelta(seconds=40), counting=limit)
    assert getattr(limited.value, "retry_after", None) == 20  # until the minute ends
    later = tokens.authenticate(issued.text, now=now + timedelta(minutes=1), counting=limit)
    assert later.id == issued.token.id
    assert counts() == [1]  # a new window
    tokens.revoke(issued.token.id, now=now + timedelta(minutes=1, seconds=10))
    with pytest.raises(TokenRefusedError) as revoked:
        tokens.authenticate(issued.text, now=now + timedelta(minutes=1, seconds=20), counting=limit)
    assert revoked.value.reason == "revoked"  # on the very next request, though its salt is cached
    assert counts() == [1]  # and not counted
    # Every request after the first was one statement that read the token and counted it.
    assert "INSERT" not in statements[0]
    assert statements[1].startswith("INSERT INTO govbiz_api_rate_limits")
    combined = statements[2:]
    assert len(combined) == 6
    assert all(s.startswith("WITH token AS") for s in combined)
    assert all("INSERT INTO govbiz_api_rate_limits" in s for s in combined)
    expiring = tokens.create(world.chair, now=now, expires_in=timedelta(days=1))
    tokens.authenticate(expiring.text, now=now, counting=limit)
    with pytest.raises(TokenRefusedError) as expired:
        tokens.authenticate(expiring.text, now=now + timedelta(days=1), counting=limit)
    assert expired.value.reason == "expired"
    assert counts(expiring.token.id) == [1]  # only the request it was good for
    world.ledger.close()
