"""The SMS channel against a fake gateway on loopback."""

from __future__ import annotations

import time

import pluggy
import pytest
from fake_sms_gateway import API_KEY, VACANT, FakeGateway
from govbiz_sms_example import SmsChannel, normalize_phone, segments, sms_text

from govbiz.domain.enterprise import mask_phone
from govbiz.notify import DeliveryError, Notification
from govbiz.plugins import notification_channels

REMINDER = Notification(
    key="due:P-2025-0001:2025-04-10",
    channel="sms",
    recipients=("138 1234 5678", "+86 139-8765-4321"),
    subject="【到期提醒】",
    body="久瑞生物新厂区水电报装问题今日到期，请报送办理情况。",
)


def test_phone_numbers_are_normalized_or_refused() -> None:
    assert normalize_phone("138 1234 5678") == "+8613812345678"
    assert normalize_phone("+86 139-8765-4321") == "+8613987654321"
    assert normalize_phone("008613812345678") == "+8613812345678"
    assert normalize_phone("0744-8888888") is None  # a landline cannot receive SMS
    assert normalize_phone("12345678901") is None


def test_segments_follow_the_carriers_rules() -> None:
    assert segments("办" * 70) == 1
    assert segments("办" * 71) == 2  # 71 does not fit: two parts of 67
    assert segments("办" * 134) == 2
    assert segments("办" * 135) == 3
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2


def test_a_long_text_is_cut_to_the_segment_budget() -> None:
    text = sms_text("【政企面对面】", "通报", "超期问题" * 100, max_segments=3)
    assert segments(text) == 3
    assert len(text) == 3 * 67
    assert text.startswith("【政企面对面】通报：超期问题")
    assert text.endswith("…")
    one = sms_text("【政企面对面】", "通报", "超期问题" * 100, max_segments=1)
    assert (len(one), segments(one)) == (70, 1)


def test_a_notification_reaches_every_number(gateway: FakeGateway) -> None:
    SmsChannel(gateway.url, API_KEY, signature="【张家界政企面对面】").deliver(REMINDER)
    [sent] = gateway.sent
    assert sent["phone_numbers"] == ["+8613812345678", "+8613987654321"]
    assert (
        sent["content"]
        == "【张家界政企面对面】【到期提醒】：久瑞生物新厂区水电报装问题今日到期，请报送办理情况。"
    )
    assert sent["client_ref"] == REMINDER.key


def test_a_wrong_api_key_is_permanent(gateway: FakeGateway) -> None:
    with pytest.raises(DeliveryError) as info:
        SmsChannel(gateway.url, "sk-wrong").deliver(REMINDER)
    assert info.value.permanent
    assert "401" in info.value.reason
    assert "sk-wrong" not in repr(SmsChannel(gateway.url, "sk-wrong"))


def test_a_vacant_number_is_permanent_and_named(gateway: FakeGateway) -> None:
    vacant = Notification(key="k", channel="sms", recipients=(VACANT,), subject="s", body="b")
    with pytest.raises(DeliveryError) as info:
        SmsChannel(gateway.url, API_KEY).deliver(vacant)
    assert info.value.permanent
    assert f"{mask_phone(VACANT)} (空号)" in info.value.reason  # named, but masked: it goes to logs
    assert VACANT not in str(info.value)


def test_a_landline_is_refused_before_anything_is_sent(gateway: FakeGateway) -> None:
    landline = Notification(key="k", channel="sms", recipients=("0744-8888888",), subject="s", body="b")
    with pytest.raises(DeliveryError) as info:
        SmsChannel(gateway.url, API_KEY).deliver(landline)
    assert info.value.permanent
    assert gateway.sent == []


@pytest.mark.parametrize(
    ("status", "reply", "permanent"),
    [
        (200, {"code": "RATE_LIMITED"}, False),
        (200, {"code": "INSUFFICIENT_BALANCE", "message": "余额不足"}, True),
        (429, {"code": "TOO_MANY_REQUESTS"}, False),
        (503, {"code": "UNAVAILABLE"}, False),
        (400, {"code": "INVALID_PARAMETER"}, True),
    ],
)
def test_gateway_answers_decide_whether_to_retry(
    gateway: FakeGateway, status: int, reply: dict[str, str], permanent: bool
) -> None:
    gateway.answer = (status, reply)
    with pytest.raises(DeliveryError) as info:
        SmsChannel(gateway.url, API_KEY).deliver(REMINDER)
    assert info.value.permanent is permanent


def test_a_gateway_that_hangs_times_out(gateway: FakeGateway) -> None:
    gateway.hang.set()
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        SmsChannel(gateway.url, API_KEY, timeout=0.3).deliver(REMINDER)
    assert time.monotonic() - started < 3
    assert not info.value.permanent


def test_the_plugin_registers_the_channel_only_when_configured(
    govbiz_plugin_manager: pluggy.PluginManager, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVBIZ_SMS_GATEWAY", raising=False)
    assert "sms" not in notification_channels(govbiz_plugin_manager)
    monkeypatch.setenv("GOVBIZ_SMS_GATEWAY", gateway.url)
    monkeypatch.setenv("GOVBIZ_SMS_API_KEY", API_KEY)
    notification_channels(govbiz_plugin_manager)["sms"].deliver(REMINDER)
    assert len(gateway.sent) == 1
