"""DingTalk, WeCom and Feishu robots against fakes that check format and signature like the real ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from govbiz_webhook import DingTalkChannel, FeishuChannel, Robot, WeComChannel, dingtalk_sign, feishu_sign
from webhook_test_server import (
    DINGTALK_OPEN_TOKEN,
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    PlatformServer,
)

from govbiz.clock import ManualClock
from govbiz.errors import ValidationError
from govbiz.notify import DeliveryError, Notification, NotificationChannel

OVERDUE = Notification(
    key="overdue:P-2025-0001:2025-04-11",
    channel="dingtalk",
    recipients=("市自规局",),
    subject="【催办】久瑞生物新厂区水电报装已超期1个工作日",
    body="市自规局：\n该问题应于2025年4月10日前报送办理情况，至今未报。\n请即报送；逾期3个工作日将通报。",
)


def notification(*recipients: str, key: str = OVERDUE.key) -> Notification:
    return Notification(
        key=key, channel="x", recipients=recipients, subject=OVERDUE.subject, body=OVERDUE.body
    )


# --- the signatures, against vectors computed elsewhere ----------------------------------


def test_dingtalk_signature_matches_a_published_vector() -> None:
    # The vector of an independent implementation (the Rust crate `dingding`), URL-encoded there.
    assert (
        quote_plus(dingtalk_sign(1700000000000, "secret"))
        == "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    )


def test_feishu_signature_matches_openssl() -> None:
    # printf '' | openssl dgst -sha256 -hmac "$(printf '1599360473\ntest-secret')" -binary | base64
    assert feishu_sign(1599360473, "test-secret") == "wSds2BzzFIIGf/WrhUO+NI1q/9j+FRJd3JNHKAq0NZY="
    # Feishu keys the HMAC with the string to sign; DingTalk's recipe would give another value.
    dingtalk_style = hmac.new(b"test-secret", b"1599360473\ntest-secret", hashlib.sha256).digest()
    assert feishu_sign(1599360473, "test-secret") != base64.b64encode(dingtalk_style).decode()


# --- DingTalk ---------------------------------------------------------------------------


def dingtalk(server: PlatformServer, clock: ManualClock, **options: object) -> DingTalkChannel:
    robots = {
        "市自规局": Robot(server.dingtalk_url, DINGTALK_SECRET),
        "市住建局": Robot(f"{server.base}/robot/send?access_token={DINGTALK_OPEN_TOKEN}"),
    }
    return DingTalkChannel(robots, clock=clock, timeout=5, **options)  # type: ignore[arg-type]


def test_robot_channels_implement_the_port(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    channel = dingtalk(server, govbiz_clock)
    assert isinstance(channel, NotificationChannel)
    assert channel.name == "dingtalk"
    assert WeComChannel({"a": Robot(server.wecom_url)}).name == "wecom"
    assert FeishuChannel({"a": Robot(server.feishu_url)}, name="feishu-zjj").name == "feishu-zjj"


def test_dingtalk_markdown_is_signed_in_the_query(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    dingtalk(server, govbiz_clock).deliver(OVERDUE)
    [request] = server.platforms.requests
    timestamp = int(govbiz_clock.now().timestamp() * 1000)
    assert request.query["timestamp"] == [str(timestamp)]
    # The base64 signature travels URL-encoded: a raw '+' would arrive as a space.
    assert f"sign={quote_plus(dingtalk_sign(timestamp, DINGTALK_SECRET))}" in request.raw_query
    assert request.query["access_token"] == [DINGTALK_TOKEN]
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    [(platform, message)] = server.platforms.accepted
    assert platform == "dingtalk"
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["title"] == OVERDUE.subject
    assert message["markdown"]["text"] == (
        f"#### {OVERDUE.subject}\n\n市自规局：\n\n该问题应于2025年4月10日前报送办理情况，至今未报。\n\n"
        "请即报送；逾期3个工作日将通报。"
    )


def test_dingtalk_text_to_an_unsigned_robot(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    dingtalk(server, govbiz_clock, msgtype="text").deliver(notification("市住建局"))
    [request] = server.platforms.requests
    assert "sign" not in request.query
    assert "timestamp" not in request.query
    [(_, message)] = server.platforms.accepted
    assert message == {"msgtype": "text", "text": {"content": f"{OVERDUE.subject}\n{OVERDUE.body}"}}


def test_dingtalk_wrong_secret_is_permanent(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    channel = DingTalkChannel({"市自规局": Robot(server.dingtalk_url, "SECwrong")}, clock=govbiz_clock)
    with pytest.raises(DeliveryError) as info:
        channel.deliver(OVERDUE)
    assert info.value.permanent
    assert "310000" in info.value.reason
    assert "SECwrong" not in str(info.value)
    assert server.platforms.accepted == []


def test_dingtalk_refuses_a_clock_two_hours_slow(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    slow = ManualClock(govbiz_clock.now() - timedelta(hours=2))
    with pytest.raises(DeliveryError) as info:
        dingtalk(server, slow).deliver(OVERDUE)
    assert info.value.permanent
    assert "invalid timestamp" in info.value.reason


def test_dingtalk_rate_limit_is_temporary(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    server.platforms.rate_limit = 1
    channel = dingtalk(server, govbiz_clock)
    channel.deliver(notification("市自规局", key="k1"))
    with pytest.raises(DeliveryError) as info:
        channel.deliver(notification("市自规局", key="k2"))
    assert not info.value.permanent
    assert "130101" in info.value.reason


def test_an_unknown_robot_is_permanent_and_nothing_is_sent(
    server: PlatformServer, govbiz_clock: ManualClock
) -> None:
    with pytest.raises(DeliveryError) as info:
        dingtalk(server, govbiz_clock).deliver(notification("市自规局", "市财政局"))
    assert info.value.permanent
    assert "市财政局" in info.value.reason
    assert server.platforms.requests == []


def test_a_retry_posts_only_to_robots_that_missed_it_and_a_repeat_posts_nothing(
    server: PlatformServer, govbiz_clock: ManualClock
) -> None:
    server.platforms.rate_limit = 1
    channel = dingtalk(server, govbiz_clock)
    both = notification("市自规局", "市住建局")
    with pytest.raises(DeliveryError):
        channel.deliver(both)  # the first robot gets it, the second is rate-limited
    server.platforms.rate_limit = None
    channel.deliver(both)
    channel.deliver(both)
    robots = [r.query["access_token"][0] for r in server.platforms.requests]
    assert robots == [DINGTALK_TOKEN, DINGTALK_OPEN_TOKEN, DINGTALK_OPEN_TOKEN]
    assert len(server.platforms.accepted) == 2


def test_tokens_and_secrets_stay_out_of_repr_and_errors(
    server: PlatformServer, govbiz_clock: ManualClock
) -> None:
    channel = dingtalk(server, govbiz_clock)
    assert DINGTALK_TOKEN not in repr(channel)
    assert DINGTALK_SECRET not in repr(channel)
    assert "access_token=***" in repr(channel)
    server.platforms.fail_with = (503, b"busy")
    with pytest.raises(DeliveryError) as info:
        channel.deliver(OVERDUE)
    assert DINGTALK_TOKEN not in str(info.value)
    feishu = FeishuChannel({"a": Robot(server.feishu_url, FEISHU_SECRET)})
    assert FEISHU_HOOK not in repr(feishu)
    assert FEISHU_SECRET not in repr(feishu)


# --- WeCom ------------------------------------------------------------------------------


def test_wecom_markdown(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    WeComChannel({"督查室": Robot(server.wecom_url)}).deliver(notification("督查室"))
    [(platform, message)] = server.platforms.accepted
    assert platform == "wecom"
    assert message == {
        "msgtype": "markdown",
        "markdown": {"content": f"**{OVERDUE.subject}**\n{OVERDUE.body}"},
    }


def test_wecom_cuts_long_chinese_text_to_its_byte_limit(server: PlatformServer) -> None:
    long = Notification(
        key="k", channel="wecom", recipients=("督查室",), subject="通报", body="超期问题" * 2000
    )
    WeComChannel({"督查室": Robot(server.wecom_url)}).deliver(long)
    [(_, message)] = server.platforms.accepted
    content = message["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert len(content.encode("utf-8")) > 4090
    assert content.endswith("…")
    text = WeComChannel({"督查室": Robot(server.wecom_url)}, msgtype="text")
    text.deliver(
        Notification(key="k2", channel="wecom", recipients=("督查室",), subject="s", body="办" * 1000)
    )
    assert len(server.platforms.accepted[1][1]["text"]["content"].encode("utf-8")) <= 2048


def test_wecom_rate_limit_is_temporary_and_a_bad_key_permanent(server: PlatformServer) -> None:
    server.platforms.rate_limit = 0
    with pytest.raises(DeliveryError) as info:
        WeComChannel({"督查室": Robot(server.wecom_url)}).deliver(notification("督查室"))
    assert not info.value.permanent
    assert "45009" in info.value.reason
    bad = Robot(f"{server.base}/cgi-bin/webhook/send?key=not-a-key")
    with pytest.raises(DeliveryError) as info:
        WeComChannel({"督查室": bad}).deliver(notification("督查室"))
    assert info.value.permanent
    assert "93000" in info.value.reason


# --- Feishu -----------------------------------------------------------------------------


def test_feishu_post_is_signed_in_the_body(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    FeishuChannel({"市住建局": Robot(server.feishu_url, FEISHU_SECRET)}, clock=govbiz_clock).deliver(
        notification("市住建局")
    )
    [(platform, message)] = server.platforms.accepted
    assert platform == "feishu"
    timestamp = int(govbiz_clock.now().timestamp())
    assert message["timestamp"] == str(timestamp)
    assert message["sign"] == feishu_sign(timestamp, FEISHU_SECRET)
    assert message["msg_type"] == "post"
    post = message["content"]["post"]["zh_cn"]
    assert post["title"] == OVERDUE.subject
    assert post["content"] == [[{"tag": "text", "text": line}] for line in OVERDUE.body.splitlines()]


def test_feishu_text(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    channel = FeishuChannel(
        {"a": Robot(server.feishu_url, FEISHU_SECRET)}, msgtype="text", clock=govbiz_clock
    )
    channel.deliver(notification("a"))
    [(_, message)] = server.platforms.accepted
    assert message["content"] == {"text": f"{OVERDUE.subject}\n{OVERDUE.body}"}


def test_feishu_bad_signature_is_permanent_and_rate_limit_temporary(
    server: PlatformServer, govbiz_clock: ManualClock
) -> None:
    wrong = FeishuChannel({"a": Robot(server.feishu_url, "not-the-secret")}, clock=govbiz_clock)
    with pytest.raises(DeliveryError) as info:
        wrong.deliver(notification("a"))
    assert info.value.permanent
    assert "19021" in info.value.reason
    server.platforms.rate_limit = 0
    right = FeishuChannel({"a": Robot(server.feishu_url, FEISHU_SECRET)}, clock=govbiz_clock)
    with pytest.raises(DeliveryError) as info:
        right.deliver(notification("a"))
    assert not info.value.permanent
    assert "9499" in info.value.reason


# --- configuration mistakes caught when the channel is made ------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DingTalkChannel({}), "at least one robot"),
        (lambda: DingTalkChannel({"a": Robot("https://x.cn/robot/send")}, msgtype="post"), "not one of"),
        (lambda: FeishuChannel({"a": Robot("https://x.cn/h")}, timeout=0), "never hang"),
        (lambda: Robot("file:///etc/passwd"), "https://"),
    ],
    ids=["no-robot", "msgtype", "timeout", "file-url"],
)
def test_bad_settings_are_refused(make: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make()  # type: ignore[operator]
