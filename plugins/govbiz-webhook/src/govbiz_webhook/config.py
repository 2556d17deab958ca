"""Configuration: a TOML file named by `GOVBIZ_WEBHOOK_CONFIG`, read when govbiz asks for channels.

```toml
[dingtalk]                      # channel "dingtalk"
msgtype = "markdown"            # or "text"
timeout = 5

[dingtalk.robots."市自规局"]     # a recipient name in routing rules
url_env = "DINGTALK_ZGJ_URL"    # or url = "https://oapi.dingtalk.com/robot/send?access_token=..."
secret_env = "DINGTALK_ZGJ_SECRET"

[wecom.robots."督查室"]
url_env = "WECOM_DUCHA_URL"

[feishu.robots."市住建局"]
url_env = "FEISHU_ZJJ_URL"
secret_env = "FEISHU_ZJJ_SECRET"

[webhook]                       # channel "webhook": the county's OA system
url = "https://oa.zjj.gov.cn/api/govbiz/notifications"
secret_env = "GOVBIZ_OA_WEBHOOK_SECRET"
```

Every section is optional; `name` renames a channel, `ca_file` trusts a
county's own CA.  URLs and secrets may be given inline (`url`, `secret`)
or, better, through environment variables (`url_env`, `secret_env`), since
a robot's URL holds its access token.  Unset, the plugin registers nothing;
anything invalid is a `ValidationError` naming the section and the key.
"""

from __future__ import annotations

import os
import ssl
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govbiz.errors import ValidationError
from govbiz.ports.channel import NotificationChannel
from govbiz_webhook.generic import JsonWebhookChannel
from govbiz_webhook.robots import DingTalkChannel, FeishuChannel, Robot, RobotChannel, WeComChannel

__all__ = [
    "CONFIG_ENV",
    "KINDS",
    "channel_of_kind",
    "channels_from_environment",
    "channels_from_settings",
    "channels_from_toml",
]

#: The environment variable naming the TOML file.
CONFIG_ENV = "GOVBIZ_WEBHOOK_CONFIG"

_ROBOT_CHANNELS: dict[str, type[RobotChannel]] = {
    "dingtalk": DingTalkChannel,
    "wecom": WeComChannel,
    "feishu": FeishuChannel,
}
_ROBOT_SECTION_KEYS = frozenset({"robots", "msgtype", "timeout", "name", "ca_file"})
_ROBOT_KEYS = frozenset({"url", "url_env", "secret", "secret_env"})
_WEBHOOK_KEYS = frozenset({"url", "url_env", "secret", "secret_env", "timeout", "name", "ca_file"})


def channels_from_environment(environ: Mapping[str, str] | None = None) -> list[NotificationChannel]:
    """The channels of the file `GOVBIZ_WEBHOOK_CONFIG` names; none when it is unset."""
    env = os.environ if environ is None else environ
    path = env.get(CONFIG_ENV, "").strip()
    return channels_from_toml(Path(path), env) if path else []


def channels_from_toml(path: Path, environ: Mapping[str, str]) -> list[NotificationChannel]:
    """The channels a TOML file configures."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(CONFIG_ENV, str(path), f"cannot read it: {exc}") from exc
    channels = channels_from_settings(document, environ)
    if not channels:
        raise ValidationError(CONFIG_ENV, str(path), "configures no channel")
    return channels


def channels_from_settings(
    settings: Mapping[str, Any], environ: Mapping[str, str]
) -> list[NotificationChannel]:
    """The channels of a parsed configuration (sections `dingtalk`, `wecom`, `feishu`, `webhook`)."""
    unknown = sorted(set(settings) - {*_ROBOT_CHANNELS, "webhook"})
    if unknown:
        raise ValidationError(", ".join(unknown), "", "unknown section(s): dingtalk, wecom, feishu, webhook")
    channels: list[NotificationChannel] = []
    for section, cls in _ROBOT_CHANNELS.items():
        if section in settings:
            channels.append(_robot_channel(section, cls, _table(settings[section], section), environ))
    if "webhook" in settings:
        channels.append(_webhook_channel(_table(settings["webhook"], "webhook"), environ))
    return channels


#: The channel kinds this plugin builds from a county file's `[channels.NAME]` table.
KINDS = (*_ROBOT_CHANNELS, "webhook")


def channel_of_kind(
    kind: str, name: str, settings: Mapping[str, Any], environ: Mapping[str, str]
) -> NotificationChannel | None:
    """One channel named `name` from a county file's table of `kind` (`dingtalk` ... `webhook`), or None.

    The table holds what the plugin's own file gives one section, without
    `name` (the table's key names the channel).  Errors name the setting
    relative to the table (`robots.市自规局.url_env`).
    """
    if kind not in KINDS:
        return None
    if "name" in settings:
        raise ValidationError(f"{name}.name", settings["name"], "the table's key names the channel")
    table = {**settings, "name": name}
    try:
        if kind == "webhook":
            return _webhook_channel(table, environ)
        return _robot_channel(kind, _ROBOT_CHANNELS[kind], table, environ)
    except ValidationError as exc:
        field = exc.field.split(".", 1)[1] if "." in exc.field else ""
        raise ValidationError(f"{name}.{field}".rstrip("."), exc.value, exc.reason) from None


def _robot_channel(
    section: str, cls: type[RobotChannel], table: Mapping[str, Any], environ: Mapping[str, str]
) -> RobotChannel:
    _only(table, _ROBOT_SECTION_KEYS, section)
    robots = {}
    for robot_name, robot_table in _table(table.get("robots", {}), f"{section}.robots").items():
        where = f"{section}.robots.{robot_name}"
        robot = _table(robot_table, where)
        _only(robot, _ROBOT_KEYS, where)
        secret = _secret(robot, "secret", where, environ, required=False)
        if secret is not None and cls is WeComChannel:
            raise ValidationError(
                f"{where}.secret", "***", "WeCom robots are not signed; the URL's key is the secret"
            )
        robots[robot_name] = Robot(_secret(robot, "url", where, environ, required=True) or "", secret)
    return cls(
        robots,
        msgtype=table.get("msgtype"),
        timeout=_number(table.get("timeout", 5.0), f"{section}.timeout"),
        name=table.get("name"),
        ssl_context=_ssl_context(table.get("ca_file"), section),
    )


def _webhook_channel(table: Mapping[str, Any], environ: Mapping[str, str]) -> JsonWebhookChannel:
    _only(table, _WEBHOOK_KEYS, "webhook")
    return JsonWebhookChannel(
        _secret(table, "url", "webhook", environ, required=True) or "",
        secret=_secret(table, "secret", "webhook", environ, required=True) or "",
        name=str(table.get("name", "webhook")),
        timeout=_number(table.get("timeout", 5.0), "webhook.timeout"),
        ssl_context=_ssl_context(table.get("ca_file"), "webhook"),
    )


def _secret(
    table: Mapping[str, Any], key: str, where: str, environ: Mapping[str, str], *, required: bool
) -> str | None:
    """`key` given inline or through `key_env`, never both; a named variable must be set."""
    inline, variable = table.get(key), table.get(f"{key}_env")
    if inline is not None and variable is not None:
        raise ValidationError(f"{where}.{key}", "***", f"give {key} or {key}_env, not both")
    if variable is not None:
        if variable not in environ:
            raise ValidationError(f"{where}.{key}_env", variable, "this environment variable is not set")
        return environ[variable]
    if inline is None and required:
        raise ValidationError(f"{where}.{key}", None, f"missing: give {key} or {key}_env")
    return None if inline is None else str(inline)


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(where, value, "must be a [table]")
    return value


def _only(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValidationError(f"{where}.{unknown[0]}", ", ".join(unknown), "unknown setting(s)")


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, value, "not a number")
    return float(value)


def _ssl_context(ca_file: object, where: str) -> ssl.SSLContext | None:
    if ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ValidationError(f"{where}.ca_file", ca_file, f"cannot load it: {exc}") from exc
