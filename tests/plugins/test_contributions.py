"""Plugins contribute by returning: what govbiz collects, and the mistakes it names."""

from __future__ import annotations

import types

import click
import pluggy
import pytest

import govbiz
from govbiz import plugins
from govbiz.audit import SM3, Hasher
from govbiz.plugins import PluginConflictError, PluginError, register_plugin
from tests.plugins.fakes import plugin


class Channel:
    def __init__(self, name: str) -> None:
        self.name = name

    def deliver(self, notification: object) -> None:
        pass


def test_every_plugins_returned_channels_are_collected(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("robots", govbiz_notification_channels=lambda: [Channel("a"), Channel("b")]))
    register_plugin(pm, plugin("unconfigured", govbiz_notification_channels=lambda: []))
    register_plugin(pm, plugin("silent", govbiz_notification_channels=lambda: None))
    assert sorted(plugins.notification_channels(pm)) == ["a", "b", "console"]


def test_a_generator_is_an_iterable_too(pm: pluggy.PluginManager) -> None:
    def govbiz_hash_algorithms() -> object:
        yield Hasher("sm3-stand-in", lambda data: "0" * 64)

    register_plugin(pm, plugin("sm3", govbiz_hash_algorithms=govbiz_hash_algorithms))
    builtin = {"sha256"} if SM3 is None else {"sha256", "sm3"}  # SM3 where OpenSSL has it
    assert set(plugins.hashers(pm)) == {*builtin, "sm3-stand-in"}


def test_one_thing_returned_instead_of_a_list_names_the_plugin(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("fine", govbiz_notification_channels=lambda: [Channel("a")]))
    register_plugin(pm, plugin("lonely", govbiz_notification_channels=lambda: Channel("b")))
    with pytest.raises(PluginError, match="returned a Channel, not an iterable of channels") as info:
        plugins.notification_channels(pm)
    assert (info.value.plugin, info.value.hook) == ("lonely", "govbiz_notification_channels")


def test_a_string_is_not_a_list_of_commands(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("stringy", govbiz_register_commands=lambda: "hello"))
    with pytest.raises(PluginError, match="returned a str") as info:
        plugins.plugin_commands(pm)
    assert info.value.plugin == "stringy"


@pytest.mark.parametrize(
    ("hook", "argument"),
    [
        ("govbiz_notification_channels", "register"),
        ("govbiz_report_formats", "register"),
        ("govbiz_hash_algorithms", "register"),
        ("govbiz_register_commands", "cli"),
    ],
)
def test_the_old_callback_argument_is_refused_with_what_to_do(
    pm: pluggy.PluginManager, hook: str, argument: str
) -> None:
    old = types.ModuleType("old_style")
    exec(f"def {hook}({argument}):\n    pass\n", old.__dict__)
    setattr(old, hook, govbiz.hookimpl(getattr(old, hook)))
    with pytest.raises(PluginError, match=f"{hook} takes no '{argument}' any more: return") as info:
        register_plugin(pm, old, "old_style")
    assert (info.value.plugin, info.value.hook) == ("old_style", "validate")
    assert pm.get_plugin("old_style") is None


def test_two_plugins_returning_one_channel_name_are_both_named(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("sms_a", govbiz_notification_channels=lambda: [Channel("sms")]))
    register_plugin(pm, plugin("sms_b", govbiz_notification_channels=lambda: [Channel("x"), Channel("sms")]))
    expected = "'sms_a' and 'sms_b' both answer for the channel name 'sms'"
    with pytest.raises(PluginConflictError, match=expected):
        plugins.notification_channels(pm)


def test_one_plugin_returning_a_name_twice_is_named(pm: pluggy.PluginManager) -> None:
    register_plugin(pm, plugin("stutter", govbiz_report_formats=lambda: [Channel("pdf"), Channel("pdf")]))
    with pytest.raises(PluginError, match="returns two report formats named 'pdf'") as info:
        plugins.report_formats(pm)
    assert info.value.plugin == "stutter"


def test_returned_commands_are_added_and_a_clash_names_both_owners(pm: pluggy.PluginManager) -> None:
    @click.command("hello")
    def hello() -> None:
        """Say hello."""

    @click.command("plugins")
    def shadow() -> None:
        """Would hide `govbiz plugins`."""

    register_plugin(pm, plugin("greeter", govbiz_register_commands=lambda: [hello]))
    assert plugins.plugin_commands(pm) == {"hello": hello}
    register_plugin(pm, plugin("copycat", govbiz_register_commands=lambda: (hello,)))
    with pytest.raises(PluginConflictError, match="'greeter' and 'copycat' both answer for command 'hello'"):
        plugins.plugin_commands(pm)
    pm.unregister(name="copycat")
    register_plugin(pm, plugin("shadow", govbiz_register_commands=lambda: [shadow]))
    with pytest.raises(PluginConflictError, match="'govbiz' and 'shadow' both answer for command 'plugins'"):
        plugins.plugin_commands(pm)


def test_a_wrapper_sees_and_may_change_what_plugins_return(pm: pluggy.PluginManager) -> None:
    @govbiz.hookimpl(wrapper=True)
    def govbiz_notification_channels() -> object:
        batches = yield
        return [[c for c in batch if c.name != "noisy"] for batch in batches]

    noisy_and_ok = [Channel("noisy"), Channel("ok")]
    register_plugin(pm, plugin("robots", govbiz_notification_channels=lambda: noisy_and_ok))
    filtering = types.ModuleType("filter")
    filtering.govbiz_notification_channels = govbiz_notification_channels  # type: ignore[attr-defined]
    register_plugin(pm, filtering, "filter")
    assert sorted(plugins.notification_channels(pm)) == ["console", "ok"]
