"""The fake gateway, started and stopped around each test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_sms_gateway import FakeGateway


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    for variable in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)  # talk to 127.0.0.1 directly
    fake = FakeGateway()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
