"""A fake SMS gateway on 127.0.0.1: it checks what a real one checks and keeps what it sends."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "sk-test-0123456789"
VACANT = "+8613900000000"  # a number the carrier reports as 空号 (not in service)


class FakeGateway:
    """`url` to configure, `sent` what it accepted; `answer` forces a reply, `hang` never answers."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answer: tuple[int, dict[str, Any]] | None = None
        self.hang = threading.Event()
        self._release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if gateway.hang.is_set():
                    gateway._release.wait(timeout=30)
                status, reply = gateway.handle(self.path, self.headers.get("Authorization"), body)
                data = json.dumps(reply, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def handle(self, path: str, authorization: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.answer is not None:
            return self.answer
        if path != "/v1/sms/send":
            return 404, {"code": "NOT_FOUND"}
        if authorization != f"Bearer {API_KEY}":
            return 401, {"code": "UNAUTHORIZED", "message": "invalid API key"}
        message = json.loads(body)
        content, phones = message.get("content", ""), message.get("phone_numbers", [])
        if not re.match(r"【[^】]+】", content) or not all(re.fullmatch(r"\+861\d{10}", p) for p in phones):
            return 400, {"code": "INVALID_PARAMETER", "message": "signature or phone number"}
        results = [
            {"phone": p, "status": "rejected", "reason": "空号"}
            if p == VACANT
            else {"phone": p, "status": "accepted"}
            for p in phones
        ]
        self.sent.append(message)
        return 200, {"code": "OK", "results": results}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
