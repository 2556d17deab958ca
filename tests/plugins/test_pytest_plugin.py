"""The pytest fixtures govbiz ships for plugin authors, used as they would use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pluggy

import govbiz
from govbiz import commands as c
from govbiz.clock import ManualClock
from govbiz.domain import Actor, Role
from govbiz.ledger import Ledger
from govbiz.notify import Notification
from govbiz.plugins import notification_channels, storage_for
from govbiz.storage import MemoryStore


def test_the_fixtures_come_from_the_installed_entry_point(pytestconfig: object) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("govbiz")  # type: ignore[attr-defined]
    assert plugin is not None
    assert plugin.__name__ == "govbiz.testing.pytest_plugin"


def test_ledger_runs_on_the_test_clock(govbiz_ledger: Ledger, govbiz_clock: ManualClock) -> None:
    admin = Actor(id="admin", role=Role.ADMINISTRATOR, county="430800")
    govbiz_clock.advance(timedelta(days=1))
    govbiz_ledger.handle(admin, c.RegisterDivision(code="430800", name="张家界市", level="city"))
    with govbiz_ledger.store.unit_of_work() as uow:
        [event] = uow.events()
    assert event.occurred_at == govbiz_clock.now()
    assert event.occurred_at.isoformat() == "2025-04-01T10:00:00+08:00"


def test_register_plugin_lasts_one_test(
    register_plugin: Callable[..., str], govbiz_plugin_manager: pluggy.PluginManager
) -> None:
    class Scratch:
        @govbiz.hookimpl
        def govbiz_storage(self, url: str) -> MemoryStore | None:
            return MemoryStore() if url == "scratch://" else None

    name = register_plugin(Scratch(), name="scratch")
    assert isinstance(storage_for("scratch://", govbiz_plugin_manager), MemoryStore)
    assert govbiz_plugin_manager.get_plugin(name) is not None


def test_the_capture_channel_keeps_what_it_is_given(
    captured_notifications: list[Notification], govbiz_plugin_manager: pluggy.PluginManager
) -> None:
    channel = notification_channels(govbiz_plugin_manager)["capture"]
    channel.deliver(
        Notification(key="k", channel="capture", recipients=("市自规局",), subject="交办", body="请签收")
    )
    assert [n.subject for n in captured_notifications] == ["交办"]
