"""Configuring the email channel: a URL or a TOML file, read when govbiz asks for channels."""

from __future__ import annotations

import email
import ssl
from email import policy
from pathlib import Path

import pluggy
import pytest
import trustme
from email_test_server import PASSWORD, USERNAME, SmtpServer, smtp_server
from govbiz_email import CONFIG_ENV, URL_ENV, EmailChannel, channel_from_url, channels_from_environment

from govbiz.errors import ValidationError
from govbiz.notify import Notification
from govbiz.plugins import describe_plugins, notification_channels

NOTICE = Notification(
    key="circular:2025-04",
    channel="email",
    recipients=("zgj@zjj.gov.cn",),
    subject="【通报】2025年4月问题办理情况",
    body="市自规局：本月办结3件，超期1件。",
)


@pytest.fixture(autouse=True)
def _unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment that configures no email channel."""
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def test_installed_but_not_configured_registers_nothing(govbiz_plugin_manager: pluggy.PluginManager) -> None:
    [info] = [i for i in describe_plugins(govbiz_plugin_manager) if i.name == "email"]
    assert info.source == "govbiz-email"
    assert info.hooks == ("govbiz_channel_from_settings", "govbiz_notification_channels")
    assert "email" not in notification_channels(govbiz_plugin_manager)


def test_a_url_in_the_environment_registers_a_working_channel(
    govbiz_plugin_manager: pluggy.PluginManager, plain_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, f"smtp://127.0.0.1:{plain_server.port}?sender=duban%40zjj.gov.cn&timeout=3")
    channel = notification_channels(govbiz_plugin_manager)["email"]
    channel.deliver(NOTICE)
    [received] = plain_server.handler.messages
    message = email.message_from_bytes(received.content, policy=policy.default)
    assert message["Subject"] == NOTICE.subject
    assert received.mail_from == "duban@zjj.gov.cn"


def test_url_schemes_ports_and_percent_encoded_parts() -> None:
    channel = channel_from_url(
        "smtp+starttls://duban%40zjj.gov.cn:p%40ss%3Aword@mail.zjj.gov.cn"
        "?sender=%E5%BC%A0%E5%AE%B6%E7%95%8C%E5%B8%82%E7%9D%A3%E6%9F%A5%E5%AE%A4%20%3Cduban%40zjj.gov.cn%3E"
        "&timeout=7.5&name=email-zjj"
    )
    assert (channel.host, channel.port, channel.security) == ("mail.zjj.gov.cn", 587, "starttls")
    assert channel.username == "duban@zjj.gov.cn"
    assert channel.sender == "张家界市督查室 <duban@zjj.gov.cn>"
    assert channel.timeout == 7.5
    assert channel.name == "email-zjj"
    assert "p@ss:word" not in repr(channel)
    implicit = channel_from_url("smtps://u:p@mail.zjj.gov.cn?sender=a%40zjj.gov.cn")
    assert (implicit.port, implicit.security) == (465, "tls")
    relay = channel_from_url("smtp://relay.zjj.gov.cn?sender=a%40zjj.gov.cn")
    assert (relay.port, relay.security, relay.username) == (25, "none", None)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://u:hunter2@mail.zjj.gov.cn?sender=a%40b.cn", "scheme"),
        ("smtp+starttls://u:hunter2@mail.zjj.gov.cn?sender=a%40b.cn&verify=no", "unknown parameter"),
        ("smtp+starttls://u:hunter2@mail.zjj.gov.cn", "no email address"),
        ("smtp://u:hunter2@mail.zjj.gov.cn?sender=a%40b.cn", "never clear text"),
        ("smtp+starttls://u:hunter2@mail.zjj.gov.cn?sender=a%40b.cn&timeout=soon", "not a number"),
    ],
    ids=["scheme", "unknown-parameter", "no-sender", "password-in-clear", "timeout"],
)
def test_a_bad_url_is_refused_without_showing_the_password(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        channel_from_url(url)
    assert "hunter2" not in str(info.value)


def test_url_and_file_together_are_ambiguous() -> None:
    environ = {URL_ENV: "smtp://relay?sender=a%40b.cn", CONFIG_ENV: "/etc/govbiz/email.toml"}
    with pytest.raises(ValidationError, match="not both"):
        channels_from_environment(environ)


def test_a_toml_file_configures_several_channels_with_the_password_outside_it(tmp_path: Path) -> None:
    path = tmp_path / "email.toml"
    path.write_text(
        """
        [email]
        host = "mail.zjj.gov.cn"
        security = "tls"
        username = "duban@zjj.gov.cn"
        password_env = "ZJJ_MAIL_PASSWORD"
        sender = "张家界市督查室 <duban@zjj.gov.cn>"

        [email-cili]                      # 慈利县's own relay
        host = "10.1.2.3"
        port = 2525
        security = "none"
        sender = "cili-duban@cili.gov.cn"
        timeout = 4
        """,
        encoding="utf-8",
    )
    channels = channels_from_environment({CONFIG_ENV: str(path), "ZJJ_MAIL_PASSWORD": "from-the-vault"})
    by_name = {c.name: c for c in channels}
    assert sorted(by_name) == ["email", "email-cili"]
    assert (by_name["email"].port, by_name["email"].security) == (465, "tls")
    assert "from-the-vault" not in repr(by_name["email"])
    assert (by_name["email-cili"].port, by_name["email-cili"].timeout) == (2525, 4.0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('host = "h"\nsender = "a@b.cn"\nusername = "u"\npassword_env = "UNSET_VARIABLE"', "not set"),
        ('host = "h"\nsender = "a@b.cn"\nusername = "u"\npassword = "x"\npassword_env = "V"', "not both"),
        ('host = "h"\nsender = "a@b.cn"\nsecurity = "ssl"', "not one of"),
        ('host = "h"\nsender = "a@b.cn"\nverify = false', "unknown setting"),
        ('host = "h"\nsender = "a@b.cn"\nport = "twenty-five"', "not a number"),
        ('host = "h"\nsender = "a@b.cn"\nca_file = "/nonexistent/ca.pem"', "cannot load"),
    ],
    ids=["password-env-unset", "password-twice", "security", "unknown-key", "port", "ca-file"],
)
def test_a_bad_table_is_refused_naming_the_field(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "email.toml"
    path.write_text(f"[email]\n{table}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        channels_from_environment({CONFIG_ENV: str(path), "V": "x"})


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        channels_from_environment({CONFIG_ENV: str(tmp_path / "missing.toml")})


def test_a_county_ca_file_lets_the_channel_verify_an_intranet_server(
    tmp_path: Path, ca: trustme.CA, server_tls: ssl.SSLContext
) -> None:
    ca_file = tmp_path / "county-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with smtp_server(tls_context=server_tls, require_starttls=True, auth_required=True) as server:
        path = tmp_path / "email.toml"
        path.write_text(
            f"""
            [email]
            host = "127.0.0.1"
            port = {server.port}
            username = "{USERNAME}"
            password_env = "MAIL_PASSWORD"
            sender = "{USERNAME}"
            ca_file = "{ca_file}"
            timeout = 5
            """,
            encoding="utf-8",
        )
        [channel] = channels_from_environment({CONFIG_ENV: str(path), "MAIL_PASSWORD": PASSWORD})
        assert isinstance(channel, EmailChannel)
        channel.deliver(NOTICE)
        [received] = server.handler.messages
        assert received.authenticated
