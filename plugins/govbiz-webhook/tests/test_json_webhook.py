"""The generic signed JSON webhook, and how every channel treats HTTP failures and hangs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import pytest
from govbiz_webhook import (
    DingTalkChannel,
    FeishuChannel,
    JsonWebhookChannel,
    Robot,
    WeComChannel,
    body_signature,
    verify_body_signature,
)
from webhook_test_server import FEISHU_SECRET, WEBHOOK_SECRET, PlatformServer

from govbiz.clock import ManualClock
from govbiz.errors import ValidationError
from govbiz.notify import DeliveryError, Notification, NotificationChannel

ASSIGNMENT = Notification(
    key="assignment:P-2025-0001:430800-zgj",
    channel="webhook",
    recipients=("430800-zgj", "430800-zjj"),
    subject="【交办】久瑞生物新厂区水电报装",
    body="请于2025年4月10日前报送办理情况。",
    data={"problem_id": "P-2025-0001", "deadline": "2025-04-10"},
)


def webhook(server: PlatformServer, clock: ManualClock, **options: object) -> JsonWebhookChannel:
    settings: dict[str, object] = {"secret": WEBHOOK_SECRET, "clock": clock, "timeout": 5.0}
    settings.update(options)
    return JsonWebhookChannel(server.webhook_url, **settings)  # type: ignore[arg-type]


def test_the_body_signature_matches_openssl() -> None:
    # printf '{"a":1}' | openssl dgst -sha256 -hmac whsec
    expected = "sha256=19373ef0e8c66f206e49d251e4402291615bbce6ef00922e94a47a213fb76ee1"
    assert body_signature("whsec", b'{"a":1}') == expected
    assert verify_body_signature("whsec", b'{"a":1}', expected)
    assert not verify_body_signature("whsec", b'{"a":2}', expected)
    assert not verify_body_signature("other", b'{"a":1}', expected)


def test_a_signed_notification_is_accepted(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    channel = webhook(server, govbiz_clock)
    assert isinstance(channel, NotificationChannel)
    channel.deliver(ASSIGNMENT)
    [request] = server.platforms.requests
    timestamp = int(govbiz_clock.now().timestamp())
    assert request.headers["idempotency-key"] == ASSIGNMENT.key
    assert request.headers["x-govbiz-timestamp"] == str(timestamp)
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-govbiz-signature"] == expected
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(request.body) == {
        "key": ASSIGNMENT.key,
        "channel": "webhook",
        "recipients": ["430800-zgj", "430800-zjj"],
        "subject": ASSIGNMENT.subject,
        "body": ASSIGNMENT.body,
        "data": {"problem_id": "P-2025-0001", "deadline": "2025-04-10"},
        "timestamp": timestamp,
    }
    assert "交办" in request.body.decode("utf-8")  # UTF-8 JSON, not \\u escapes
    [(platform, _)] = server.platforms.accepted
    assert platform == "webhook"


def test_a_retry_carries_the_same_key_and_the_receiver_keeps_one(
    server: PlatformServer, govbiz_clock: ManualClock
) -> None:
    channel = webhook(server, govbiz_clock)
    channel.deliver(ASSIGNMENT)
    channel.deliver(ASSIGNMENT)  # a retry after a lost reply: the receiver answers 200, keeps one
    assert [r.headers["idempotency-key"] for r in server.platforms.requests] == [ASSIGNMENT.key] * 2
    assert len(server.platforms.accepted) == 1


def test_a_wrong_secret_is_refused_permanently(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    with pytest.raises(DeliveryError) as info:
        webhook(server, govbiz_clock, secret="not-the-secret").deliver(ASSIGNMENT)
    assert info.value.permanent
    assert "HTTP 401" in info.value.reason
    assert "not-the-secret" not in str(info.value)


def test_a_webhook_must_have_a_secret_and_hides_it(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="always signed"):
        webhook(server, govbiz_clock, secret="")
    channel = webhook(server, govbiz_clock, headers={"Authorization": "Bearer gateway-token"})
    assert WEBHOOK_SECRET not in repr(channel)
    assert "gateway-token" not in repr(channel)


# --- HTTP failures, the same for every channel ---------------------------------------------

Maker = Callable[[PlatformServer, ManualClock, float], NotificationChannel]
CHANNELS: dict[str, Maker] = {
    "webhook": lambda s, c, t: JsonWebhookChannel(s.webhook_url, secret=WEBHOOK_SECRET, clock=c, timeout=t),
    "dingtalk": lambda s, c, t: DingTalkChannel({"a": Robot(s.dingtalk_url)}, clock=c, timeout=t),
    "wecom": lambda s, c, t: WeComChannel({"a": Robot(s.wecom_url)}, clock=c, timeout=t),
    "feishu": lambda s, c, t: FeishuChannel({"a": Robot(s.feishu_url, FEISHU_SECRET)}, clock=c, timeout=t),
}


def to(channel: NotificationChannel) -> Notification:
    recipients = ASSIGNMENT.recipients if isinstance(channel, JsonWebhookChannel) else ("a",)
    return Notification(key="k", channel=channel.name, recipients=recipients, subject="s", body="b")


@pytest.mark.parametrize("kind", CHANNELS)
@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (500, False),
        (502, False),
        (503, False),
        (429, False),
        (408, False),
        (400, True),
        (403, True),
        (404, True),
    ],
)
def test_http_status_decides_whether_a_retry_can_help(
    server: PlatformServer, govbiz_clock: ManualClock, kind: str, status: int, permanent: bool
) -> None:
    server.platforms.fail_with = (status, b'{"error": "as the test says"}')
    channel = CHANNELS[kind](server, govbiz_clock, 5.0)
    with pytest.raises(DeliveryError) as info:
        channel.deliver(to(channel))
    assert info.value.permanent is permanent
    assert f"HTTP {status}" in info.value.reason
    assert "as the test says" in info.value.reason


@pytest.mark.parametrize("kind", CHANNELS)
def test_a_server_that_hangs_times_out_quickly_and_temporarily(
    server: PlatformServer, govbiz_clock: ManualClock, kind: str
) -> None:
    server.platforms.hang = True
    channel = CHANNELS[kind](server, govbiz_clock, 0.3)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        channel.deliver(to(channel))
    assert time.monotonic() - started < 3
    assert not info.value.permanent
    assert "timed out" in info.value.reason


@pytest.mark.parametrize("kind", CHANNELS)
def test_a_refused_connection_is_temporary(
    server: PlatformServer, govbiz_clock: ManualClock, closed_port: int, kind: str
) -> None:
    server.base = f"http://127.0.0.1:{closed_port}"  # the URLs now point where nobody listens
    channel = CHANNELS[kind](server, govbiz_clock, 2.0)
    with pytest.raises(DeliveryError) as info:
        channel.deliver(to(channel))
    assert not info.value.permanent
    assert server.platforms.requests == []


def test_a_robot_answering_200_without_json_is_temporary(
    server: PlatformServer, govbiz_clock: ManualClock
) -> None:
    server.platforms.fail_with = (200, b"<html>gateway maintenance</html>")
    channel = CHANNELS["dingtalk"](server, govbiz_clock, 5.0)
    with pytest.raises(DeliveryError) as info:
        channel.deliver(to(channel))
    assert not info.value.permanent
    assert "no JSON" in info.value.reason


def test_a_redirect_is_not_followed(server: PlatformServer, govbiz_clock: ManualClock) -> None:
    server.platforms.fail_with = (302, b"")
    channel = CHANNELS["webhook"](server, govbiz_clock, 5.0)
    with pytest.raises(DeliveryError) as info:
        channel.deliver(to(channel))
    assert info.value.permanent
    assert "HTTP 302" in info.value.reason
    assert len(server.platforms.requests) == 1
