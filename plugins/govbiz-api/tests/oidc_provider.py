"""A county's identity provider in the test process: discovery, authorize, token and JWKS on 127.0.0.1.

It signs ID tokens with an RSA key the test makes (no network, no real
provider).  `/authorize` signs in at once whoever the test chose
(`FakeProvider.person`) and sends the browser back with a code; `/token`
gives the ID token only for that code, the right client secret and the
PKCE verifier whose S256 is the challenge sent.  The test can make it
misbehave: another audience, an expired token, a tampered state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import attrs
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "govbiz-workbench"
CLIENT_SECRET = "s3cret-of-the-workbench"


@attrs.define
class FakeProvider:
    """The provider's keys, who signs in, and how it misbehaves."""

    key: rsa.RSAPrivateKey
    issuer: str = ""
    person: dict[str, Any] = attrs.field(factory=dict)
    audience: str = CLIENT_ID
    lifetime: int = 300
    tamper_state: bool = False
    codes: dict[str, dict[str, str]] = attrs.field(factory=dict)
    exchanged: list[str] = attrs.field(factory=list)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + self.lifetime, "nonce": nonce,
            **self.person,
        }  # fmt: skip
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "zjj-sso-1"})

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": "zjj-sso-1", "use": "sig", "alg": "RS256"}]}


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(200, {
                    "issuer": provider.issuer, "authorization_endpoint": f"{provider.issuer}/authorize",
                    "token_endpoint": f"{provider.issuer}/token", "jwks_uri": f"{provider.issuer}/jwks",
                    "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                })  # fmt: skip
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                self._authorize(query)
            else:
                self._json(404, {"error": "not_found"})

        def _authorize(self, query: dict[str, str]) -> None:
            wanted = ("response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge")
            if any(not query.get(k) for k in wanted) or query.get("code_challenge_method") != "S256":
                self._json(400, {"error": "invalid_request"})
                return
            code = secrets.token_urlsafe(16)
            provider.codes[code] = query
            state = "forged-state" if provider.tamper_state else query["state"]
            self.send_response(302)
            back = urlencode({"code": code, "state": state})
            self.send_header("Location", f"{query['redirect_uri']}?{back}")
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.path != "/token" or self.headers.get("Authorization") != f"Basic {expected}":
                self._json(401, {"error": "invalid_client"})
                return
            asked = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            same_uri = asked is not None and asked["redirect_uri"] == form.get("redirect_uri")
            if asked is None or not same_uri or asked["code_challenge"] != challenge:
                self._json(400, {"error": "invalid_grant"})
                return
            provider.exchanged.append(form["code"])
            token = provider.id_token(asked["nonce"])
            self._json(200, {"access_token": "at", "token_type": "Bearer", "id_token": token})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return None

    return Handler


@contextmanager
def running_provider() -> Iterator[FakeProvider]:
    """A provider on a free port of 127.0.0.1, shut down after."""
    provider = FakeProvider(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
