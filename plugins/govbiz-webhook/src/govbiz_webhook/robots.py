"""Group robots (群机器人): DingTalk, WeCom and Feishu.

A robot channel holds named robots, and a notification's `recipients` are
robot names: `("市自规局",)` posts to the robot in that department's group.
An unknown name is a permanent error, found before anything is sent.

Robot platforms have no idempotency key, so a channel remembers (in this
process) which robots already got which notification key: when a delivery
to three robots fails at the third, the retry posts to the third only, and
delivering the same key again sends nothing.

Each platform answers HTTP 200 with a JSON code; its rate-limit codes are
temporary, every other non-zero code is permanent (a bad signature, a
missing keyword, an IP not on the robot's allow-list, a deleted robot).
"""

from __future__ import annotations

import json
import ssl
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

from govbiz.clock import Clock, SystemClock
from govbiz.errors import ValidationError
from govbiz.ports.channel import DeliveryError, Notification
from govbiz_webhook.signing import dingtalk_sign, epoch_milliseconds, epoch_seconds, feishu_sign
from govbiz_webhook.transport import check_url, mask_url, post_json

__all__ = ["DingTalkChannel", "FeishuChannel", "Robot", "RobotChannel", "WeComChannel", "truncate_utf8"]

_REMEMBERED = 4096  # (key, robot) pairs kept to skip robots that already have a message


class Robot:
    """One group robot: its webhook URL (which holds a token) and its signing secret, if any.

    Both are secrets; `repr` shows neither.
    """

    __slots__ = ("secret", "url")

    def __init__(self, url: str, secret: str | None = None) -> None:
        self.url = check_url(url, "url")
        self.secret = secret or None

    def __repr__(self) -> str:
        secret = "***" if self.secret else None
        return f"Robot(url={mask_url(self.url)!r}, secret={secret!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Robot) and (self.url, self.secret) == (other.url, other.secret)

    def __hash__(self) -> int:
        return hash((self.url, self.secret))


class RobotChannel:
    """What the three robot channels share: robots by name, timeouts, the clock, the memory.

    Subclasses say how a message is built (`payload`), where it goes
    (`endpoint`) and what the reply means (`check_reply`).
    """

    platform: ClassVar[str]
    default_name: ClassVar[str]
    msgtypes: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        robots: Mapping[str, Robot],
        *,
        msgtype: str | None = None,
        timeout: float = 5.0,
        name: str | None = None,
        clock: Clock | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not robots:
            raise ValidationError("robots", {}, f"a {self.platform} channel needs at least one robot")
        if timeout <= 0:
            raise ValidationError("timeout", timeout, "must be positive: a channel must never hang")
        msgtype = msgtype or self.msgtypes[0]
        if msgtype not in self.msgtypes:
            raise ValidationError("msgtype", msgtype, f"not one of {', '.join(self.msgtypes)}")
        self.robots = dict(robots)
        self.msgtype = msgtype
        self.timeout = timeout
        self._name = name or self.default_name
        self._clock: Clock = clock or SystemClock()
        self._ssl_context = ssl_context
        self._sent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The channel's name in routing rules (`dingtalk`, `wecom`, `feishu` by default)."""
        return self._name

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self._name!r}, robots={self.robots!r}, "
            f"msgtype={self.msgtype!r}, timeout={self.timeout})"
        )

    def deliver(self, notification: Notification) -> None:
        """Post `notification` to each robot its recipients name; raise `DeliveryError` on failure."""
        if not notification.recipients:
            raise DeliveryError(self._name, "the notification names no robot", permanent=True)
        unknown = [r for r in notification.recipients if r not in self.robots]
        if unknown:
            known = ", ".join(self.robots)
            reason = f"no robot named {', '.join(unknown)} (configured: {known})"
            raise DeliveryError(self._name, reason, permanent=True)
        for recipient in notification.recipients:
            if self._already_sent(notification.key, recipient):
                continue
            self._post(recipient, self.robots[recipient], notification)
            self._remember(notification.key, recipient)

    def payload(self, notification: Notification, robot: Robot) -> dict[str, Any]:
        """The JSON object to post (subclasses)."""
        raise NotImplementedError

    def endpoint(self, robot: Robot) -> str:
        """The URL to post to: the robot's, plus any signature in its query."""
        return robot.url

    def check_reply(self, reply: Mapping[str, Any], where: str) -> None:
        """Raise `DeliveryError` unless the platform's reply says the message was sent (subclasses)."""
        raise NotImplementedError

    def _post(self, recipient: str, robot: Robot, notification: Notification) -> None:
        body = json.dumps(self.payload(notification, robot), ensure_ascii=False).encode("utf-8")
        where = f"{self.platform} robot {recipient!r}"
        reply = post_json(
            self.endpoint(robot),
            body,
            channel=self._name,
            timeout=self.timeout,
            ssl_context=self._ssl_context,
        )
        try:
            parsed = json.loads(reply.body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            # A proxy's error page with status 200, say: worth another try later.
            reason = f"{where} answered HTTP {reply.status} with no JSON object: {reply.body[:200]!r}"
            raise DeliveryError(self._name, reason, permanent=False)
        self.check_reply(parsed, where)

    def _code_error(self, where: str, code: object, message: object, rate_limits: frozenset[int]) -> None:
        if code == 0:
            return
        temporary = code in rate_limits
        kind = "rate limit, will retry" if temporary else "refused"
        raise DeliveryError(self._name, f"{where} {kind}: {code} {message}", permanent=not temporary)

    def _already_sent(self, key: str, recipient: str) -> bool:
        with self._lock:
            return (key, recipient) in self._sent

    def _remember(self, key: str, recipient: str) -> None:
        with self._lock:
            self._sent[(key, recipient)] = None
            while len(self._sent) > _REMEMBERED:
                self._sent.popitem(last=False)


class DingTalkChannel(RobotChannel):
    """DingTalk custom robots (钉钉自定义机器人), `markdown` (default) or `text`.

    A robot with a secret (安全设置 → 加签) gets `timestamp` (ms) and `sign`
    in its query.  `errcode` 130101 (sending too fast, 20 a minute per robot)
    and -1 (system busy) are temporary; 310000 (bad signature, missing
    keyword, IP not allowed) and the rest are permanent.
    """

    platform = "DingTalk"
    default_name = "dingtalk"
    msgtypes = ("markdown", "text")
    #: The text of a message is cut to this many UTF-8 bytes (DingTalk allows 20000).
    max_bytes = 20000
    rate_limits = frozenset({130101, -1})

    def payload(self, notification: Notification, robot: Robot) -> dict[str, Any]:
        """`{"msgtype": "markdown", "markdown": {"title", "text"}}` or the `text` form."""
        if self.msgtype == "text":
            content = f"{notification.subject}\n{notification.body}"
            return {"msgtype": "text", "text": {"content": truncate_utf8(content, self.max_bytes)}}
        # DingTalk's markdown joins single newlines; a blank line keeps each line apart.
        lines = "\n\n".join(line for line in notification.body.splitlines() if line.strip())
        text = f"#### {notification.subject}\n\n{lines}"
        title = notification.subject
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": truncate_utf8(text, self.max_bytes)},
        }

    def endpoint(self, robot: Robot) -> str:
        """The robot's URL with `&timestamp=...&sign=...` when it has a secret."""
        if robot.secret is None:
            return robot.url
        timestamp = epoch_milliseconds(self._clock.now())
        query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(timestamp, robot.secret)})
        return f"{robot.url}{'&' if '?' in robot.url else '?'}{query}"

    def check_reply(self, reply: Mapping[str, Any], where: str) -> None:
        """`errcode` 0 is success."""
        self._code_error(where, reply.get("errcode"), reply.get("errmsg"), self.rate_limits)


class WeComChannel(RobotChannel):
    """WeCom group robots (企业微信群机器人), `markdown` (default) or `text`.

    WeCom robots are not signed: the `key` in the URL is the secret.
    `errcode` 45009 (over 20 messages a minute) and -1 (system busy) are
    temporary; the rest (93000: invalid webhook URL ...) permanent.
    """

    platform = "WeCom"
    default_name = "wecom"
    msgtypes = ("markdown", "text")
    #: WeCom's limits: markdown content 4096 bytes, text 2048 bytes, UTF-8.
    limits: ClassVar[dict[str, int]] = {"markdown": 4096, "text": 2048}
    rate_limits = frozenset({45009, -1})

    def payload(self, notification: Notification, robot: Robot) -> dict[str, Any]:
        """`{"msgtype": "markdown", "markdown": {"content": ...}}` or the `text` form."""
        if self.msgtype == "text":
            content = f"{notification.subject}\n{notification.body}"
        else:
            content = f"**{notification.subject}**\n{notification.body}"
        limit = self.limits[self.msgtype]
        return {"msgtype": self.msgtype, self.msgtype: {"content": truncate_utf8(content, limit)}}

    def check_reply(self, reply: Mapping[str, Any], where: str) -> None:
        """`errcode` 0 is success."""
        self._code_error(where, reply.get("errcode"), reply.get("errmsg"), self.rate_limits)


class FeishuChannel(RobotChannel):
    """Feishu custom bots (飞书自定义机器人), rich-text `post` (default) or `text`.

    A bot with a secret (签名校验) gets `timestamp` (s) and `sign` in the
    body.  `code` 9499 (too many requests) and 11232 (frequency limited)
    are temporary; the rest (19021: bad signature or stale timestamp,
    19024: keyword missing ...) permanent.
    """

    platform = "Feishu"
    default_name = "feishu"
    msgtypes = ("post", "text")
    rate_limits = frozenset({9499, 11232})

    def payload(self, notification: Notification, robot: Robot) -> dict[str, Any]:
        """`{"msg_type": "post", "content": {"post": {"zh_cn": ...}}}`, signed if the bot has a secret."""
        message: dict[str, Any] = {}
        if robot.secret is not None:
            timestamp = epoch_seconds(self._clock.now())
            message.update(timestamp=str(timestamp), sign=feishu_sign(timestamp, robot.secret))
        if self.msgtype == "text":
            text = f"{notification.subject}\n{notification.body}"
            message.update(msg_type="text", content={"text": text})
        else:
            paragraphs = [[{"tag": "text", "text": line}] for line in notification.body.splitlines()]
            post = {"zh_cn": {"title": notification.subject, "content": paragraphs}}
            message.update(msg_type="post", content={"post": post})
        return message

    def check_reply(self, reply: Mapping[str, Any], where: str) -> None:
        """`code` 0 is success (older bots answer `StatusCode` 0)."""
        code = reply.get("code", reply.get("StatusCode"))
        message = reply.get("msg", reply.get("StatusMessage"))
        self._code_error(where, code, message, self.rate_limits)


def truncate_utf8(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` UTF-8 bytes, on a character boundary, marked with `ellipsis`."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(ellipsis.encode("utf-8"))
    return encoded[:room].decode("utf-8", "ignore") + ellipsis
