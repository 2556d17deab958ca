"""One JSON POST with a timeout, and what its failure means for a retry.

Every channel of this package sends through `post_json`.  It never follows
redirects (a robot URL that redirects is misconfigured), reads at most
64 KiB of reply, and turns every failure into `DeliveryError`:

| what happened                                   | permanent? |
| ----------------------------------------------- | ---------- |
| timeout, refused or reset connection, DNS       | no         |
| HTTP 408, 429, 5xx                              | no         |
| HTTP 3xx, other 4xx                             | yes        |
| TLS certificate that does not verify            | yes        |
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from http.client import HTTPMessage
from typing import IO, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

from govbiz.errors import ValidationError
from govbiz.ports.channel import DeliveryError

__all__ = ["MAX_REPLY_BYTES", "Reply", "check_url", "mask_url", "post_json"]

#: Replies are small JSON objects; a larger one is cut here (never read unbounded).
MAX_REPLY_BYTES = 64 * 1024
_TEMPORARY_STATUSES = frozenset({408, 425, 429})
_USER_AGENT = "govbiz-webhook/0.1"


@attrs.frozen(slots=True)
class Reply:
    """A 2xx reply: its status and (at most `MAX_REPLY_BYTES` of) its body."""

    status: int
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(  # noqa: PLR0917 (urllib's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None  # urllib then raises HTTPError with the 3xx status


def check_url(url: str, field: str) -> str:
    """Return `url` if it is an http(s) URL with a host; urllib would also open file:// URLs."""
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValidationError(field, mask_url(url), "must be an https:// (or http://) URL")
    return url


def mask_url(url: str) -> str:
    """`url` with its tokens hidden, for messages, logs and reprs.

    Query values become `***` (DingTalk's `access_token`, WeCom's `key`),
    and so does any path segment of 16 characters or more (Feishu's hook
    id); a password in the URL too.
    """
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    if parts.username is not None:
        netloc = f"***@{netloc}"
    path = "/".join("***" if len(segment) >= 16 else segment for segment in parts.path.split("/"))
    query = urlencode([(name, "***") for name, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def post_json(
    url: str,
    body: bytes,
    *,
    channel: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Reply:
    """POST `body` (JSON, UTF-8) to `url`; return a 2xx reply or raise `DeliveryError`.

    `timeout` (seconds) bounds connecting and each read.  Proxies come from
    the usual `https_proxy` / `no_proxy` environment variables.
    """
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("User-Agent", _USER_AGENT)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(_NoRedirects(), urllib.request.HTTPSHandler(context=ssl_context))
    where = mask_url(url)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read(MAX_REPLY_BYTES))
    except urllib.error.HTTPError as exc:
        _http_error(exc, channel, where)
    except urllib.error.URLError as exc:
        _unreachable(exc.reason, channel, where, exc)
    except OSError as exc:  # a timeout or reset while reading the reply
        _unreachable(exc, channel, where, exc)


def _http_error(exc: urllib.error.HTTPError, channel: str, where: str) -> NoReturn:
    with exc:
        detail = exc.read(512).decode("utf-8", "replace").strip()
    status = exc.code
    temporary = status in _TEMPORARY_STATUSES or status >= 500
    reason = f"{where} answered HTTP {status} {exc.reason}" + (f": {detail}" if detail else "")
    raise DeliveryError(channel, reason, permanent=not temporary) from None


def _unreachable(reason: object, channel: str, where: str, exc: BaseException) -> NoReturn:
    if isinstance(reason, ssl.SSLCertVerificationError):
        message = f"{where}: certificate not trusted ({reason.verify_message})"
        raise DeliveryError(channel, message, permanent=True) from exc
    kind = "timed out" if isinstance(reason, TimeoutError) else f"{type(reason).__name__}: {reason}"
    raise DeliveryError(channel, f"{where}: {kind}", permanent=False) from exc
