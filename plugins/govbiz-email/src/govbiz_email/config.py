"""Configuration: which mail server, which sender, which credentials.

Read when govbiz asks for the channels (when the dispatcher starts), never
at import.  Two ways, one at a time:

* `GOVBIZ_EMAIL_URL`: one channel named `email` from a URL,
  `smtp+starttls://user:password@host:587?sender=duban%40zjj.gov.cn`.
  Schemes: `smtp+starttls` (port 587 by default), `smtps` or `smtp+tls`
  (implicit TLS, port 465), `smtp` (no encryption, port 25, no
  credentials).  Query parameters: `sender` (required), `timeout`
  (seconds), `name` (the channel's name), `ca_file` (a PEM bundle of CAs
  to trust instead of the system's, for an intranet server).
* `GOVBIZ_EMAIL_CONFIG`: a TOML file with one table per channel, its key
  the channel's name; `password_env` names the environment variable that
  holds the password, so the file itself holds no secret.

Neither set: no channel.  Both set, or anything invalid: a
`ValidationError` that names the variable or the field, and never shows
a password.
"""

from __future__ import annotations

import os
import ssl
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from govbiz.errors import ValidationError
from govbiz_email.channel import SECURITY_MODES, EmailChannel, Security

__all__ = [
    "CONFIG_ENV",
    "URL_ENV",
    "channel_from_settings",
    "channel_from_url",
    "channels_from_environment",
    "channels_from_toml",
    "mask_url",
]

#: One channel from a URL.
URL_ENV = "GOVBIZ_EMAIL_URL"
#: A TOML file of channels.
CONFIG_ENV = "GOVBIZ_EMAIL_CONFIG"

_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
    "smtp+tls": ("tls", 465),
    "smtp": ("none", 25),
}
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
_URL_PARAMETERS = frozenset({"sender", "timeout", "name", "ca_file"})
_TABLE_KEYS = frozenset(
    {"host", "port", "security", "username", "password", "password_env", "sender", "timeout", "ca_file"}
)


def channels_from_environment(environ: Mapping[str, str] | None = None) -> list[EmailChannel]:
    """The channels the environment configures: none, one (URL) or those of a TOML file."""
    env = os.environ if environ is None else environ
    url, path = env.get(URL_ENV, "").strip(), env.get(CONFIG_ENV, "").strip()
    if url and path:
        raise ValidationError(URL_ENV, mask_url(url), f"set {URL_ENV} or {CONFIG_ENV}, not both")
    if url:
        return [channel_from_url(url)]
    if path:
        return channels_from_toml(Path(path), env)
    return []


def mask_url(url: str) -> str:
    """`url` with its password replaced by `***`, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def channel_from_url(url: str) -> EmailChannel:
    """A channel from an `smtp+starttls://user:password@host:port?sender=...` URL."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        schemes = ", ".join(f"{s}://" for s in _SCHEMES)
        raise ValidationError(URL_ENV, mask_url(url), f"the scheme must be one of {schemes}")
    security, default_port = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ValidationError(URL_ENV, mask_url(url), "the port is not a number") from exc
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - _URL_PARAMETERS)
    if unknown:
        raise ValidationError(URL_ENV, mask_url(url), f"unknown parameter(s) {', '.join(unknown)}")
    one = {key: values[-1] for key, values in query.items()}
    settings: dict[str, Any] = {
        "host": parts.hostname or "",
        "port": port,
        "security": security,
        "username": unquote(parts.username) if parts.username is not None else None,
        "password": unquote(parts.password) if parts.password is not None else None,
        "sender": one.get("sender", ""),
        "timeout": one.get("timeout", "10"),
        "ca_file": one.get("ca_file"),
    }
    return channel_from_settings(one.get("name", "email"), settings, {})


def channels_from_toml(path: Path, environ: Mapping[str, str]) -> list[EmailChannel]:
    """The channels of a TOML file: one table per channel, the table's key its name."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(CONFIG_ENV, str(path), f"cannot read it: {exc}") from exc
    channels = []
    for name, table in document.items():
        if not isinstance(table, dict):
            raise ValidationError(f"{path}: {name}", table, "each channel is a [table]")
        channels.append(channel_from_settings(name, table, environ))
    if not channels:
        raise ValidationError(CONFIG_ENV, str(path), "configures no channel")
    return channels


def channel_from_settings(name: str, settings: Mapping[str, Any], environ: Mapping[str, str]) -> EmailChannel:
    """A channel from a mapping of settings (a TOML table, or the parts of a URL).

    Keys: `host`, `port`, `security`, `username`, `password` or
    `password_env`, `sender`, `timeout`, `ca_file`.
    """
    unknown = sorted(set(settings) - _TABLE_KEYS)
    if unknown:
        raise ValidationError(f"{name}", ", ".join(unknown), "unknown setting(s)")
    security = settings.get("security", "starttls")
    if security not in SECURITY_MODES:
        raise ValidationError(f"{name}.security", security, f"not one of {', '.join(SECURITY_MODES)}")
    ca_file = settings.get("ca_file")
    return EmailChannel(
        str(settings.get("host", "")),
        int(_number(settings.get("port", _DEFAULT_PORTS[security]), f"{name}.port")),
        security=security,
        username=settings.get("username"),
        password=_password(name, settings, environ),
        sender=str(settings.get("sender", "")),
        timeout=_number(settings.get("timeout", 10.0), f"{name}.timeout"),
        ssl_context=_ssl_context(name, ca_file) if ca_file else None,
        name=name,
    )


def _password(name: str, settings: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    variable = settings.get("password_env")
    if variable is None:
        password = settings.get("password")
        return None if password is None else str(password)
    if "password" in settings:
        raise ValidationError(f"{name}.password_env", variable, "give password or password_env, not both")
    if variable not in environ:
        raise ValidationError(f"{name}.password_env", variable, "this environment variable is not set")
    return environ[variable]


def _ssl_context(name: str, ca_file: str) -> ssl.SSLContext:
    """The system's defaults (hostname checked), trusting the CAs of `ca_file` instead."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ValidationError(f"{name}.ca_file", ca_file, f"cannot load it: {exc}") from exc


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(field, value, "not a number")
    try:
        return float(value)
    except ValueError as exc:
        raise ValidationError(field, value, "not a number") from exc
