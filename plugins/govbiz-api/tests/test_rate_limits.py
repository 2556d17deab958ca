"""Rate limits: per token on every route, per client address on the public status lookup."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from api_test_server import Served, problem_json, serving
from govbiz_api import create_app
from govbiz_api.limits import RateLimit, RateLimiter

from govbiz.errors import GovbizError
from tests.conftest import BEIJING


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
