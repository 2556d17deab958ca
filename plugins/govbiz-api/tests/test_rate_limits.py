"""Rate limits: per token on every route, per client address on the public status lookup."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from api_test_server import Served, problem_json, serving
from govbiz_api import create_app
from govbiz_api.app import SHARED_LIMITS_ENV
from govbiz_api.limits import RateLimit, RateLimiter, SharedRateLimiter
from govbiz_api.tables import ApiDatabase
from govbiz_postgres import open_postgres

from govbiz.errors import GovbizError
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
