"""The email channel against a real SMTP server on loopback.

Each test starts aiosmtpd (see conftest.py) the way a county's mail server
is set up: plain relay, STARTTLS with AUTH, or implicit TLS.  What the server
received is parsed back with the standard library, so the test sees what a
department's mail client sees.
"""

from __future__ import annotations

import email
import ssl
import time
from datetime import datetime
from email import policy
from email.message import EmailMessage

import pytest
from email_test_server import PASSWORD, USERNAME, SmtpServer, smtp_server
from govbiz_email import EmailChannel, message_id

from govbiz.clock import ManualClock, beijing
from govbiz.notify import DeliveryError, Notification, NotificationChannel

SENDER = "张家界市督查室 <duban@zjj.gov.cn>"
ASSIGNMENT = Notification(
    key="assignment:P-2025-0001:430800-zgj",
    channel="email",
    recipients=("zgj@zjj.gov.cn", "zjj@zjj.gov.cn"),
    subject="【交办】张家界久瑞生物科技有限公司新厂区水电报装",
    body=(
        "市自规局、市住建局：\n"
        "请于2025年4月10日前报送办理情况（7个工作日，自交办次日起算，节假日顺延）。\n"
        "交办依据：2025年3月31日政企面对面暨企业家接待日现场交办。"
    ),
    data={"problem_id": "P-2025-0001"},
)


def received_message(server: SmtpServer) -> EmailMessage:
    [received] = server.handler.messages
    message = email.message_from_bytes(received.content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def channel(server: SmtpServer | None = None, **options: object) -> EmailChannel:
    settings: dict[str, object] = {
        "security": "none",
        "sender": SENDER,
        "timeout": 5.0,
        "clock": ManualClock(datetime(2025, 3, 31, 10, 0, tzinfo=beijing())),
    }
    settings.update(options)
    port = settings.pop("port", server.port if server else 25)
    assert isinstance(port, int)
    return EmailChannel("127.0.0.1", port, **settings)  # type: ignore[arg-type]


def test_the_channel_implements_the_port() -> None:
    assert isinstance(channel(), NotificationChannel)
    assert channel().name == "email"
    assert channel(name="email-cili").name == "email-cili"


# --- what is sent ------------------------------------------------------------------------


def test_a_chinese_message_arrives_intact_with_its_headers(plain_server: SmtpServer) -> None:
    channel(plain_server).deliver(ASSIGNMENT)
    [received] = plain_server.handler.messages
    assert received.mail_from == "duban@zjj.gov.cn"
    assert received.rcpt_tos == ("zgj@zjj.gov.cn", "zjj@zjj.gov.cn")
    message = received_message(plain_server)
    assert message["Subject"] == "【交办】张家界久瑞生物科技有限公司新厂区水电报装"
    assert message.get_content() == ASSIGNMENT.body + "\n"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["From"].addresses[0].display_name == "张家界市督查室"
    assert message["From"].addresses[0].addr_spec == "duban@zjj.gov.cn"
    assert [a.addr_spec for a in message["To"].addresses] == ["zgj@zjj.gov.cn", "zjj@zjj.gov.cn"]
    assert message["Date"].datetime == datetime(2025, 3, 31, 10, 0, tzinfo=beijing())
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Govbiz-Notification-Key"] == ASSIGNMENT.key
    # Encoded words in the headers, base64 in the body: 7-bit clean through any relay.
    assert received.content.isascii()
    assert b"=?utf-8?" in received.content


def test_the_message_id_comes_from_the_key_so_a_redelivery_is_recognisable(
    plain_server: SmtpServer,
) -> None:
    smtp = channel(plain_server)
    smtp.deliver(ASSIGNMENT)
    smtp.deliver(ASSIGNMENT)
    other = Notification(
        key="overdue:P-2025-0001:2025-04-11",
        channel="email",
        recipients=("zgj@zjj.gov.cn",),
        subject="【催办】",
        body="已超期",
    )
    smtp.deliver(other)
    ids = [
        email.message_from_bytes(m.content, policy=policy.default)["Message-ID"]
        for m in plain_server.handler.messages
    ]
    assert ids[0] == ids[1] == message_id(ASSIGNMENT.key, SENDER)
    assert ids[2] != ids[0]
    assert ids[0].startswith("<govbiz.")
    assert ids[0].endswith("@zjj.gov.cn>")


def test_a_notification_without_recipients_is_refused_before_connecting(closed_port: int) -> None:
    nobody = Notification(key="k", channel="email", recipients=(), subject="s", body="b")
    with pytest.raises(DeliveryError) as info:
        channel(port=closed_port).deliver(nobody)
    assert info.value.permanent


# --- TLS and authentication ----------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_then_auth_with_the_right_credentials(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext, mechanism: str
) -> None:
    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    with smtp_server(
        tls_context=server_tls, require_starttls=True, auth_required=True, auth_exclude_mechanism=[other]
    ) as server:
        smtp = channel(
            server, security="starttls", username=USERNAME, password=PASSWORD, ssl_context=client_tls
        )
        smtp.deliver(ASSIGNMENT)
        assert server.handler.mechanisms == [mechanism]
        [received] = server.handler.messages
        assert received.authenticated
        assert received_message(server)["Subject"] == ASSIGNMENT.subject


def test_wrong_credentials_are_a_permanent_error(
    starttls_server: SmtpServer, client_tls: ssl.SSLContext
) -> None:
    smtp = channel(
        starttls_server, security="starttls", username=USERNAME, password="wrong", ssl_context=client_tls
    )
    with pytest.raises(DeliveryError) as info:
        smtp.deliver(ASSIGNMENT)
    assert info.value.permanent
    assert "535" in info.value.reason
    assert "authenticating" in info.value.reason
    assert "wrong" not in str(info.value)
    assert starttls_server.handler.messages == []


def test_implicit_tls_with_auth(tls_server: SmtpServer, client_tls: ssl.SSLContext) -> None:
    smtp = channel(tls_server, security="tls", username=USERNAME, password=PASSWORD, ssl_context=client_tls)
    smtp.deliver(ASSIGNMENT)
    [received] = tls_server.handler.messages
    assert received.authenticated
    assert received_message(tls_server).get_content() == ASSIGNMENT.body + "\n"


def test_an_untrusted_certificate_is_a_permanent_error(starttls_server: SmtpServer) -> None:
    # The system's CAs do not know the throwaway CA: verification must fail, not be skipped.
    smtp = channel(starttls_server, security="starttls")
    with pytest.raises(DeliveryError) as info:
        smtp.deliver(ASSIGNMENT)
    assert info.value.permanent
    assert "certificate" in info.value.reason
    assert starttls_server.handler.messages == []


def test_a_server_without_starttls_is_never_used_in_clear(plain_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as info:
        channel(plain_server, security="starttls").deliver(ASSIGNMENT)
    assert info.value.permanent
    assert "STARTTLS" in info.value.reason
    assert plain_server.handler.messages == []


def test_credentials_without_encryption_are_refused_when_configured() -> None:
    with pytest.raises(ValueError, match="never clear text"):
        channel(security="none", username=USERNAME, password=PASSWORD)


def test_non_ascii_credentials_are_refused_when_configured() -> None:
    with pytest.raises(ValueError, match="must be ASCII") as info:
        channel(security="starttls", username=USERNAME, password="口令")
    assert "口令" not in str(info.value)


def test_the_password_is_masked_in_repr() -> None:
    smtp = channel(security="starttls", username=USERNAME, password=PASSWORD)
    assert PASSWORD not in repr(smtp)
    assert "password='***'" in repr(smtp)
    assert USERNAME in repr(smtp)


# --- replies and failures ------------------------------------------------------------------


def test_a_4xx_reply_is_temporary(plain_server: SmtpServer) -> None:
    plain_server.handler.data_reply = "451 4.3.0 Mail server temporarily rejected message"
    with pytest.raises(DeliveryError) as info:
        channel(plain_server).deliver(ASSIGNMENT)
    assert not info.value.permanent
    assert "451" in info.value.reason


def test_a_5xx_reply_is_permanent(plain_server: SmtpServer) -> None:
    plain_server.handler.data_reply = "554 5.7.1 Message rejected as spam"
    with pytest.raises(DeliveryError) as info:
        channel(plain_server).deliver(ASSIGNMENT)
    assert info.value.permanent
    assert "554" in info.value.reason
    assert "sending the message" in info.value.reason


def test_a_rejected_recipient_is_permanent_and_named(plain_server: SmtpServer) -> None:
    plain_server.handler.rcpt_replies["zjj@zjj.gov.cn"] = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError) as info:
        channel(plain_server).deliver(ASSIGNMENT)
    assert info.value.permanent
    assert "zjj@zjj.gov.cn: 550" in info.value.reason
    assert "delivered to the others" in info.value.reason
    [received] = plain_server.handler.messages
    assert received.rcpt_tos == ("zgj@zjj.gov.cn",)


def test_every_recipient_greylisted_is_temporary(plain_server: SmtpServer) -> None:
    for address in ASSIGNMENT.recipients:
        plain_server.handler.rcpt_replies[address] = "450 4.2.0 Greylisted, try again later"
    with pytest.raises(DeliveryError) as info:
        channel(plain_server).deliver(ASSIGNMENT)
    assert not info.value.permanent
    assert plain_server.handler.messages == []


def test_a_server_that_never_answers_times_out_quickly(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        channel(port=silent_port, timeout=0.3).deliver(ASSIGNMENT)
    assert time.monotonic() - started < 3
    assert not info.value.permanent


def test_a_refused_connection_is_temporary(closed_port: int) -> None:
    with pytest.raises(DeliveryError) as info:
        channel(port=closed_port).deliver(ASSIGNMENT)
    assert not info.value.permanent
    assert f"127.0.0.1:{closed_port}" in info.value.reason
