"""Fixtures: the fake platforms on loopback, on the test clock; no proxy in the way."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from webhook_test_server import PlatformServer

from govbiz.clock import ManualClock


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours *_proxy variables; the tests talk to 127.0.0.1 directly."""
    for variable in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def server(govbiz_clock: ManualClock) -> Iterator[PlatformServer]:
    """DingTalk, WeCom, Feishu and a generic receiver that agree with the test clock on the time."""
    platform_server = PlatformServer(govbiz_clock)
    platform_server.start()
    try:
        yield platform_server
    finally:
        platform_server.stop()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nobody listens on: bound so no one else takes it, connections refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
