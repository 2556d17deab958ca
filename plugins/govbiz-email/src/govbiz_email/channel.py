"""The SMTP channel: one notification, one message, one SMTP session.

The channel opens a session per delivery.  Reception-day notifications come
by the dozen a day, not by the thousand a second, and a fresh session cannot
be a half-dead connection left over from the last batch.

Errors are sorted by what retrying can do about them (see
`govbiz.notify.channel`): an SMTP reply code 4xx is temporary, 5xx is
permanent; a timeout, a refused or dropped connection is temporary; a
certificate that does not verify, a server without STARTTLS when STARTTLS
was asked for, and refused credentials are permanent (someone must fix the
configuration; `govbiz outbox retry` sends again afterwards).
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal, NoReturn

from govbiz.clock import Clock, SystemClock
from govbiz.errors import ValidationError
from govbiz.ports.channel import DeliveryError, Notification

__all__ = ["SECURITY_MODES", "EmailChannel", "Security", "message_id"]

Security = Literal["starttls", "tls", "none"]
#: `starttls`: plain connection upgraded with STARTTLS (port 587);
#: `tls`: TLS from the first byte, "SMTPS" (port 465); `none`: no encryption
#: (an intranet relay on port 25, never with a password).
SECURITY_MODES: tuple[Security, ...] = ("starttls", "tls", "none")
_SMTP_TEMPORARY = range(400, 500)


def message_id(key: str, sender: str) -> str:
    """The `Message-ID` of the notification with idempotency key `key`.

    The same key always gives the same id, so a re-delivery after a lost
    reply is recognisable (mail systems and clients can drop the duplicate).
    The key is hashed because keys may hold characters a message id cannot.
    """
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "govbiz.invalid"
    return f"<govbiz.{digest}@{domain}>"


class EmailChannel:
    """Delivers notifications as email (电子邮件) through an SMTP server.

    `security` is `"starttls"` (default), `"tls"` (implicit TLS) or
    `"none"`.  Credentials are refused with `"none"`: a password never
    crosses the network in clear.  `sender` is the `From` address, with
    or without a display name (`"张家界市督查室 <duban@zjj.gov.cn>"`).
    `timeout` (seconds) bounds connecting and every wait for a reply.
    `ssl_context` defaults to the system's trusted CAs with hostname
    checking; pass one built from a county's own CA for an intranet server.
    `clock` gives the `Date` header (tests pass a manual clock).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        sender: str,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        name: str = "email",
        clock: Clock | None = None,
    ) -> None:
        _check(
            host=host,
            port=port,
            security=security,
            username=username,
            password=password,
            sender=sender,
            timeout=timeout,
        )
        self._name = name
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.sender = sender
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._clock: Clock = clock or SystemClock()

    @property
    def name(self) -> str:
        """The channel's name in routing rules (`"email"` unless configured otherwise)."""
        return self._name

    def __repr__(self) -> str:
        # The password never appears: reprs end up in logs and tracebacks.
        password = "***" if self._password else None
        return (
            f"EmailChannel(name={self._name!r}, host={self.host!r}, port={self.port}, "
            f"security={self.security!r}, username={self.username!r}, password={password!r}, "
            f"sender={self.sender!r}, timeout={self.timeout})"
        )

    def compose(self, notification: Notification) -> EmailMessage:
        """The MIME message for `notification` (UTF-8 text, base64 body)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(notification.recipients)
        message["Subject"] = notification.subject
        message["Date"] = format_datetime(self._clock.now())
        message["Message-ID"] = message_id(notification.key, self.sender)
        # RFC 3834: an automatic message; vacation responders must not answer it.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Govbiz-Notification-Key"] = notification.key
        # base64 rather than 8bit: every relay on the way passes it unchanged.
        message.set_content(notification.body, charset="utf-8", cte="base64")
        return message

    def deliver(self, notification: Notification) -> None:
        """Send `notification` to its recipients; raise `DeliveryError` if it was not sent."""
        if not notification.recipients:
            raise DeliveryError(self._name, "the notification names no recipient", permanent=True)
        message = self.compose(notification)
        envelope_from = parseaddr(self.sender)[1]
        try:
            with self._session() as smtp:
                refused = smtp.send_message(message, envelope_from, list(notification.recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            self._refused(exc.recipients, delivered=False)
        except smtplib.SMTPResponseException as exc:
            self._reply(exc)
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(self._name, f"{self._where}: {exc}", permanent=True) from exc
        except ssl.SSLCertVerificationError as exc:
            reason = f"{self._where}: certificate not trusted ({exc.verify_message})"
            raise DeliveryError(self._name, reason, permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            # Timeouts, refused or dropped connections, TLS handshakes cut short.
            reason = f"{self._where}: {type(exc).__name__}: {exc}"
            raise DeliveryError(self._name, reason, permanent=False) from exc
        if refused:
            self._refused(refused, delivered=True)

    @property
    def _where(self) -> str:
        return f"SMTP server {self.host}:{self.port}"

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        context = self._ssl_context or ssl.create_default_context()
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                # Never fall back to plain text: no STARTTLS is an error.
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
            yield smtp
        finally:
            _quit(smtp)

    def _reply(self, exc: smtplib.SMTPResponseException) -> NoReturn:
        text = exc.smtp_error
        detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        during = _STEPS.get(type(exc), "talking to it")
        reason = f"{self._where} replied {exc.smtp_code} {detail} while {during}"
        raise DeliveryError(self._name, reason, permanent=exc.smtp_code not in _SMTP_TEMPORARY)

    def _refused(self, refused: Mapping[str, tuple[int, bytes]], *, delivered: bool) -> NoReturn:
        details = "; ".join(
            f"{address}: {code} {text.decode('utf-8', 'replace')}"
            for address, (code, text) in refused.items()
        )
        temporary = all(code in _SMTP_TEMPORARY for code, _ in refused.values())
        prefix = "delivered to the others, but refused" if delivered else "refused every recipient"
        raise DeliveryError(self._name, f"{self._where} {prefix}: {details}", permanent=not temporary)


#: What the channel was doing when the server said no, for the error message.
_STEPS: dict[type[smtplib.SMTPResponseException], str] = {
    smtplib.SMTPConnectError: "greeting",
    smtplib.SMTPHeloError: "saying EHLO",
    smtplib.SMTPAuthenticationError: "authenticating",
    smtplib.SMTPSenderRefused: "giving the sender",
    smtplib.SMTPDataError: "sending the message",
}


def _quit(smtp: smtplib.SMTP) -> None:
    """End the session; a failed QUIT after an accepted message is no failure to deliver."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _check(
    *,
    host: str,
    port: int,
    security: str,
    username: str | None,
    password: str | None,
    sender: str,
    timeout: float,
) -> None:
    """Refuse a configuration that cannot work when it is made, not at the first 催办 at 3 a.m."""
    if not host:
        raise ValidationError("host", host, "the SMTP server's host name is empty")
    if not 0 < port < 65536:
        raise ValidationError("port", port, "not a TCP port")
    if security not in SECURITY_MODES:
        raise ValidationError("security", security, f"not one of {', '.join(SECURITY_MODES)}")
    if (username is None) != (password is None):
        raise ValidationError("username", username, "give a username and a password, or neither")
    if not (username or "").isascii() or not (password or "").isascii():
        # smtplib encodes AUTH exchanges as ASCII; fail here, not inside every delivery.
        raise ValidationError(
            "password", "***", "SMTP credentials must be ASCII (smtplib cannot send others)"
        )
    if username is not None and security == "none":
        raise ValidationError("security", security, "credentials need 'starttls' or 'tls', never clear text")
    if timeout <= 0:
        raise ValidationError("timeout", timeout, "must be positive: a channel must never hang")
    address = parseaddr(sender)[1]
    if "@" not in address or " " in address:
        raise ValidationError("sender", sender, "has no email address")
