"""Configuring the robots and the webhook from a TOML file named by GOVBIZ_WEBHOOK_CONFIG."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pluggy
import pytest
from govbiz_webhook import (
    CONFIG_ENV,
    DingTalkChannel,
    FeishuChannel,
    JsonWebhookChannel,
    WeComChannel,
    channels_from_environment,
    channels_from_settings,
)
from webhook_test_server import DINGTALK_SECRET, FEISHU_SECRET, WEBHOOK_SECRET, PlatformServer

from govbiz.clock import ManualClock, beijing
from govbiz.errors import ValidationError
from govbiz.notify import Notification
from govbiz.plugins import describe_plugins, notification_channels


@pytest.fixture(autouse=True)
def _unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def test_installed_but_not_configured_registers_nothing(govbiz_plugin_manager: pluggy.PluginManager) -> None:
    [info] = [i for i in describe_plugins(govbiz_plugin_manager) if i.name == "webhook"]
    assert info.source == "govbiz-webhook"
    assert info.hooks == ("govbiz_channel_from_settings", "govbiz_notification_channels")
    channels = notification_channels(govbiz_plugin_manager)
    assert not {"dingtalk", "wecom", "feishu", "webhook"} & set(channels)


def test_a_config_file_registers_working_channels(
    govbiz_plugin_manager: pluggy.PluginManager,
    server: PlatformServer,
    govbiz_clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "webhooks.toml"
    path.write_text(
        f"""
        [dingtalk]
        msgtype = "text"
        timeout = 3

        [dingtalk.robots."市自规局"]
        url_env = "DINGTALK_ZGJ_URL"
        secret_env = "DINGTALK_ZGJ_SECRET"

        [wecom.robots."督查室"]
        url = "{server.wecom_url}"

        [feishu]
        name = "feishu-zjj"

        [feishu.robots."市住建局"]
        url = "{server.feishu_url}"
        secret = "{FEISHU_SECRET}"

        [webhook]
        url = "{server.webhook_url}"
        secret_env = "OA_WEBHOOK_SECRET"
        """,
        encoding="utf-8",
    )
    # Configured channels sign with the system clock; the platforms must agree on the time.
    govbiz_clock.set(datetime.now(beijing()))
    monkeypatch.setenv(CONFIG_ENV, str(path))
    monkeypatch.setenv("DINGTALK_ZGJ_URL", server.dingtalk_url)
    monkeypatch.setenv("DINGTALK_ZGJ_SECRET", DINGTALK_SECRET)
    monkeypatch.setenv("OA_WEBHOOK_SECRET", WEBHOOK_SECRET)
    channels = notification_channels(govbiz_plugin_manager)
    assert isinstance(channels["dingtalk"], DingTalkChannel)
    assert channels["dingtalk"].msgtype == "text"
    assert channels["dingtalk"].timeout == 3.0
    assert isinstance(channels["wecom"], WeComChannel)
    assert isinstance(channels["feishu-zjj"], FeishuChannel)
    assert isinstance(channels["webhook"], JsonWebhookChannel)
    for name, recipient in [("dingtalk", "市自规局"), ("wecom", "督查室"), ("feishu-zjj", "市住建局")]:
        notice = Notification(
            key="k", channel=name, recipients=(recipient,), subject="【交办】", body="请办理"
        )
        channels[name].deliver(notice)
    channels["webhook"].deliver(
        Notification(key="k", channel="webhook", recipients=("zgj",), subject="s", body="b")
    )
    platforms = [platform for platform, _ in server.platforms.accepted]
    assert platforms == ["dingtalk", "wecom", "feishu", "webhook"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"slack": {}}, "unknown section"),
        ({"wecom": {"robots": {"a": {"url": "https://x.cn/h?key=k", "secret": "s"}}}}, "not signed"),
        ({"dingtalk": {"robots": {"a": {"secret": "s"}}}}, "missing: give url or url_env"),
        ({"dingtalk": {"robots": {"a": {"url_env": "UNSET_VARIABLE"}}}}, "not set"),
        ({"dingtalk": {"robots": {"a": {"url": "https://x.cn", "url_env": "V"}}}}, "not both"),
        ({"dingtalk": {"robots": {"a": {"url": "file:///etc/passwd"}}}}, "https://"),
        ({"dingtalk": {"robots": {"a": {"url": "https://x.cn", "token": "t"}}}}, "unknown setting"),
        ({"dingtalk": {"robots": {}}}, "at least one robot"),
        ({"feishu": {"msgtype": "card", "robots": {"a": {"url": "https://x.cn"}}}}, "not one of"),
        ({"feishu": {"timeout": "5s", "robots": {"a": {"url": "https://x.cn"}}}}, "not a number"),
        ({"webhook": {"url": "https://oa.zjj.gov.cn/hooks"}}, "missing: give secret or secret_env"),
        ({"webhook": "https://oa.zjj.gov.cn/hooks"}, "must be a"),
    ],
    ids=[
        "unknown-section",
        "wecom-secret",
        "no-url",
        "url-env-unset",
        "url-twice",
        "file-url",
        "unknown-key",
        "no-robots",
        "msgtype",
        "timeout",
        "unsigned-webhook",
        "not-a-table",
    ],
)
def test_mistakes_are_refused_naming_the_setting(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        channels_from_settings(settings, {"V": "https://x.cn"})


def test_a_missing_or_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        channels_from_environment({CONFIG_ENV: str(tmp_path / "missing.toml")})
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="configures no channel"):
        channels_from_environment({CONFIG_ENV: str(empty)})
