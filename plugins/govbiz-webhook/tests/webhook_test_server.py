"""Fake DingTalk, WeCom and Feishu robots and a generic receiver, on 127.0.0.1 (fixtures in conftest.py).

Each route checks what the real platform checks, with the signature
recomputed here from the platforms' published algorithms (not with the code
under test), and answers with the platform's own reply shape and codes.
Tests can also make every route fail with an HTTP status, answer with a
non-JSON body, or hang.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from govbiz.clock import Clock

DINGTALK_TOKEN = "dt0123456789abcdef0123456789abcdef"
DINGTALK_SECRET = "SEC8d1e5e7b2b1c4f0aa7c0ffee0123456789abcdef0123456789abcdef012345"
DINGTALK_OPEN_TOKEN = "dt-open-0123456789abcdef0123456789"  # a robot secured by keyword, not signed
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_HOOK = "5e3d587e-d78e-4a07-bd07-265f269f86fd"
FEISHU_SECRET = "nIMtb7r3N9pkXyXdtAbx6e"
WEBHOOK_SECRET = "whsec-zjj-oa-0123456789"


@attrs.frozen
class Received:
    """One request as the server saw it."""

    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@attrs.define
class FakePlatforms:
    """The state behind the routes: what arrived, what was accepted, how to misbehave."""

    clock: Clock
    requests: list[Received] = attrs.Factory(list)
    accepted: list[tuple[str, Any]] = attrs.Factory(list)
    rate_limit: int | None = None  # accept this many messages, then answer with the rate-limit code
    fail_with: tuple[int, bytes] | None = None  # every request gets this HTTP status and body
    hang: bool = False
    released: threading.Event = attrs.Factory(threading.Event)
    idempotency_keys: set[str] = attrs.Factory(set)
    lock: threading.Lock = attrs.Factory(threading.Lock)

    def handle(self, request: Received) -> tuple[int, bytes]:
        with self.lock:
            self.requests.append(request)
        if self.hang:
            self.released.wait(timeout=30)
        if self.fail_with is not None:
            return self.fail_with
        routes: dict[str, Callable[[Received], tuple[int, Any]]] = {
            "/robot/send": self._dingtalk,
            "/cgi-bin/webhook/send": self._wecom,
            "/hooks/govbiz": self._generic,
        }
        if request.path.startswith("/open-apis/bot/v2/hook/"):
            status, reply = self._feishu(request)
        elif request.path in routes:
            status, reply = routes[request.path](request)
        else:
            return 404, b"not found"
        return status, json.dumps(reply, ensure_ascii=False).encode()

    def _accept(self, platform: str, message: Any) -> bool:
        with self.lock:
            if self.rate_limit is not None and len(self.accepted) >= self.rate_limit:
                return False
            self.accepted.append((platform, message))
            return True

    # --- DingTalk: errcode; signature in the query -------------------------------------

    def _dingtalk(self, request: Received) -> tuple[int, Any]:
        token = request.query.get("access_token", [""])[0]
        secrets = {DINGTALK_TOKEN: DINGTALK_SECRET, DINGTALK_OPEN_TOKEN: None}
        if token not in secrets:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        secret = secrets[token]
        if secret is not None:
            problem = self._dingtalk_signature(request, secret)
            if problem:
                return 200, {"errcode": 310000, "errmsg": problem}
        message = request.json()
        kind = message.get("msgtype")
        ok = (kind == "text" and isinstance(message.get("text", {}).get("content"), str)) or (
            kind == "markdown"
            and isinstance(message.get("markdown", {}).get("title"), str)
            and isinstance(message.get("markdown", {}).get("text"), str)
        )
        if not ok:
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}
        if not self._accept("dingtalk", message):
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _dingtalk_signature(self, request: Received, secret: str) -> str | None:
        timestamp = request.query.get("timestamp", [""])[0]
        sign = request.query.get("sign", [""])[0]
        if not timestamp.isdigit() or not sign:
            return "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
        now_ms = int(self.clock.now().timestamp() * 1000)
        if abs(now_ms - int(timestamp)) > 3600 * 1000:
            return "invalid timestamp"
        digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
            return "sign not match"
        return None

    # --- WeCom: errcode; the key in the URL is the only secret -------------------------

    def _wecom(self, request: Received) -> tuple[int, Any]:
        if request.query.get("key", [""])[0] != WECOM_KEY:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        message = request.json()
        kind = message.get("msgtype")
        limits = {"markdown": 4096, "text": 2048}
        content = message.get(kind, {}).get("content") if kind in limits else None
        if not isinstance(content, str):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        if len(content.encode("utf-8")) > limits[kind]:
            return 200, {"errcode": 40058, "errmsg": "content exceed max length"}
        if not self._accept("wecom", message):
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    # --- Feishu: code; signature in the body -------------------------------------------

    def _feishu(self, request: Received) -> tuple[int, Any]:
        if request.path.rsplit("/", 1)[1] != FEISHU_HOOK:
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        message = request.json()
        timestamp, sign = str(message.get("timestamp", "")), message.get("sign", "")
        key = f"{timestamp}\n{FEISHU_SECRET}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        fresh = timestamp.isdigit() and abs(self.clock.now().timestamp() - int(timestamp)) <= 3600
        if not fresh or not hmac.compare_digest(expected, str(sign)):
            return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        kind, content = message.get("msg_type"), message.get("content", {})
        ok = (kind == "text" and isinstance(content.get("text"), str)) or (
            kind == "post"
            and isinstance(content.get("post", {}).get("zh_cn", {}).get("title"), str)
            and isinstance(content["post"]["zh_cn"].get("content"), list)
        )
        if not ok:
            return 200, {"code": 19002, "msg": "params error"}
        if not self._accept("feishu", message):
            return 200, {"code": 9499, "msg": "too many request"}
        return 200, {"code": 0, "msg": "success", "data": {}}

    # --- the generic receiver: HTTP status; HMAC of the raw body ----------------------

    def _generic(self, request: Received) -> tuple[int, Any]:  # noqa: PLR0911 (one answer per check)
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-govbiz-signature", "")):
            return 401, {"error": "bad signature"}
        message = request.json()
        header_timestamp = request.headers.get("x-govbiz-timestamp", "")
        if header_timestamp != str(message["timestamp"]):
            return 400, {"error": "timestamp header and body differ"}
        if abs(self.clock.now().timestamp() - message["timestamp"]) > 300:
            return 401, {"error": "stale timestamp"}
        key = request.headers.get("idempotency-key", "")
        if key != message["key"]:
            return 400, {"error": "Idempotency-Key differs from the body's key"}
        if key in self.idempotency_keys:
            return 200, {"status": "duplicate, already have it"}
        if not self._accept("webhook", message):
            return 429, {"error": "slow down"}
        self.idempotency_keys.add(key)
        return 202, {"status": "accepted"}


class _Handler(BaseHTTPRequestHandler):
    platforms: FakePlatforms  # set on the subclass made per server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        parts = urlsplit(self.path)
        request = Received(
            path=parts.path,
            raw_query=parts.query,
            query=parse_qs(parts.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length),
        )
        status, body = self.platforms.handle(request)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if 300 <= status < 400:  # somewhere a client that follows redirects would go
                self.send_header("Location", "/hooks/govbiz")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def do_GET(self) -> None:
        self.do_POST()  # recorded too: a client that follows a redirect of a POST comes back with GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


class PlatformServer:
    """`FakePlatforms` served over HTTP on 127.0.0.1 on a port the kernel picks."""

    def __init__(self, clock: Clock) -> None:
        self.platforms = FakePlatforms(clock)
        handler = type("Handler", (_Handler,), {"platforms": self.platforms})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.platforms.released.set()  # let a hanging handler finish
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def dingtalk_url(self) -> str:
        return f"{self.base}/robot/send?access_token={DINGTALK_TOKEN}"

    @property
    def wecom_url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={WECOM_KEY}"

    @property
    def feishu_url(self) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{FEISHU_HOOK}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/hooks/govbiz"
