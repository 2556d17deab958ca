"""A real SMTP server on 127.0.0.1 for the email channel's tests (fixtures in conftest.py).

aiosmtpd runs in its own thread and event loop, on a port the kernel picks.
It records what it accepts, checks credentials, and can be told to answer
DATA or RCPT with any reply code.  trustme makes a throwaway CA whose
certificate the server presents; the client trusts that CA and nothing else.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USERNAME = "duban@zjj.gov.cn"
PASSWORD = "s3cret-Kou:Ling"


@attrs.frozen
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    authenticated: bool


@attrs.define
class Handler:
    """aiosmtpd handler: records messages; replies as the test says."""

    messages: list[Received] = attrs.Factory(list)
    data_reply: str | None = None
    rcpt_replies: dict[str, str] = attrs.Factory(dict)
    mechanisms: list[str] = attrs.Factory(list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        assert isinstance(envelope.content, bytes)
        assert envelope.mail_from is not None
        self.messages.append(
            Received(
                envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content, bool(session.authenticated)
            )
        )
        return "250 2.0.0 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USERNAME.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if ok:
            self.mechanisms.append(mechanism)
        # handled=False: aiosmtpd answers "535 5.7.8 Authentication credentials invalid".
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """An SMTP server on 127.0.0.1: `port`, `handler` (what it received, how it replies)."""

    host = "127.0.0.1"

    def __init__(self, *, implicit_tls: ssl.SSLContext | None = None, **smtp_options: Any) -> None:
        self.handler = Handler()
        self._implicit_tls = implicit_tls
        self._options = smtp_options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-test-server", daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=5)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _serve(self) -> None:
        def protocol() -> SMTP:
            return SMTP(
                self.handler,
                loop=self._loop,
                hostname="mail.test",
                authenticator=self.handler.authenticate,
                **self._options,
            )

        self._server = await self._loop.create_server(protocol, self.host, 0, ssl=self._implicit_tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        # Sessions the client left half-open: cancel them, so nothing is destroyed pending.
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@contextmanager
def smtp_server(**options: Any) -> Iterator[SmtpServer]:
    server = SmtpServer(**options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
