"""Robots set up in a county's configuration file (issue #20: channel settings from files)."""

from __future__ import annotations

import pytest
from govbiz_webhook import DingTalkChannel, JsonWebhookChannel

from govbiz.config import ConfigFileError, parse_county_file
from govbiz.config.check import check_county_file
from govbiz.notify.channel_book import build_channel

FILE = """\
[[divisions]]
code = "430802"
name = "永定区"

[channels.dingtalk]
msgtype = "text"

[channels.dingtalk.robots."区自然资源局"]
url_env = "YD_DINGTALK_ZRZY_URL"
secret_env = "YD_DINGTALK_ZRZY_SECRET"

[channels.oa]
kind = "webhook"
url = "https://oa.yongding.example.gov.cn/api/govbiz"
secret_env = "YD_OA_SECRET"
"""

ENV = {
    "YD_DINGTALK_ZRZY_URL": "https://oapi.dingtalk.com/robot/send?access_token=abc",
    "YD_DINGTALK_ZRZY_SECRET": "SEC123",
    "YD_OA_SECRET": "s3cret",
}


def test_robot_and_webhook_tables_are_built_by_this_plugin() -> None:
    file = parse_county_file(FILE, "yongding.toml")
    robot = build_channel(file.source, "dingtalk", file.channels["dingtalk"], environ=ENV)
    assert isinstance(robot.channel, DingTalkChannel)
    assert sorted(robot.channel.robots) == ["区自然资源局"]
    oa = build_channel(file.source, "oa", file.channels["oa"], environ=ENV)
    assert isinstance(oa.channel, JsonWebhookChannel)
    assert oa.channel.name == "oa"  # the table's key names the channel, `kind` says what it is


def test_a_missing_robot_setting_is_named_with_the_tables_key() -> None:
    text = FILE.replace('url_env = "YD_DINGTALK_ZRZY_URL"\n', "")
    file = parse_county_file(text, "yongding.toml")
    errors = [f for f in check_county_file(file, {"console", "dingtalk"}, environ=ENV) if f.level == "error"]
    # The robot's table: its `url` is the key that is missing.
    assert [(f.key, f.line) for f in errors] == [("channels.dingtalk.robots.区自然资源局.url", 8)]


def test_an_inline_robot_url_with_its_token_is_refused() -> None:
    text = FILE.replace(
        'url_env = "YD_DINGTALK_ZRZY_URL"', 'url = "https://oapi.dingtalk.com/robot/send?access_token=abc"'
    )
    with pytest.raises(ConfigFileError) as caught:
        parse_county_file(text, "yongding.toml")
    assert caught.value.key == "channels.dingtalk.robots.区自然资源局.url"
    assert "access_token" in str(caught.value)
    assert "abc" not in str(caught.value)
