"""pytest fixtures for govbiz plugin authors (loaded through the `pytest11` entry point).

Installed with govbiz, these fixtures are available in any test suite:

* `govbiz_plugin_manager`: a fresh plugin manager with the built-in plugins
  and every installed plugin (yours included, if it is installed);
* `register_plugin`: register a plugin object for this test only;
* `govbiz_clock`: a `ManualClock` at Monday 31 March 2025 10:00 Beijing time;
* `govbiz_ledger`: `govbiz.open("memory://")` on that clock and plugin manager;
* `captured_notifications`: a list that a registered `capture` channel fills.

Nothing here runs unless a test asks for a fixture.  The documentation's
"Testing your plugin" tutorial shows each in a test; a test of govbiz's own
fails when a fixture here is missing from that page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pluggy
import pytest

from govbiz.clock import ManualClock, beijing
from govbiz.ledger import Ledger
from govbiz.notify.channel import CaptureChannel
from govbiz.ports.channel import Notification

#: The capture channel lives in `govbiz.notify.channel`; it is still importable from here.
__all__ = ["CaptureChannel"]


@pytest.fixture
def govbiz_plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager: built-in plugins plus every installed plugin."""
    from govbiz.plugins import make_plugin_manager

    return make_plugin_manager()


@pytest.fixture
def register_plugin(govbiz_plugin_manager: pluggy.PluginManager) -> Iterator[Callable[..., str]]:
    """Register a plugin on `govbiz_plugin_manager` for this test; it is removed afterwards."""
    from govbiz.plugins import register_plugin as register

    names: list[str] = []

    def add(plugin: object, name: str | None = None) -> str:
        registered = register(govbiz_plugin_manager, plugin, name)
        names.append(registered)
        return registered

    yield add
    for name in names:
        govbiz_plugin_manager.unregister(name=name)


@pytest.fixture
def govbiz_clock() -> ManualClock:
    """A clock that moves only when the test moves it; starts on a working Monday."""
    return ManualClock(datetime(2025, 3, 31, 10, 0, tzinfo=beijing()))


@pytest.fixture
def govbiz_ledger(govbiz_plugin_manager: pluggy.PluginManager, govbiz_clock: ManualClock) -> Ledger:
    """A ledger on a fresh in-memory store, wired to the plugin manager and the test clock."""
    import govbiz

    return govbiz.open("memory://", clock=govbiz_clock, plugin_manager=govbiz_plugin_manager)


@pytest.fixture
def captured_notifications(register_plugin: Callable[..., str]) -> list[Notification]:
    """Notifications delivered to the `capture` channel during this test."""
    from govbiz.ports.hooks import hookimpl

    channel = CaptureChannel()

    class _CapturePlugin:
        @hookimpl
        def govbiz_notification_channels(self) -> list[CaptureChannel]:
            return [channel]

    register_plugin(_CapturePlugin(), name="govbiz-capture-channel")
    return channel.delivered
