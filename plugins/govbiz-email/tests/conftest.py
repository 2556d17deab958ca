"""Fixtures: SMTP servers on loopback, a throwaway CA, ports that hang or refuse."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest
import trustme
from email_test_server import SmtpServer, smtp_server


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """A throwaway certificate authority."""
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """The server's TLS context: a certificate for 127.0.0.1 signed by `ca`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    """What a county configures for its intranet server: verify against its own CA."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def plain_server() -> Iterator[SmtpServer]:
    """No TLS, no AUTH: an intranet relay on port 25."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def starttls_server(server_tls: ssl.SSLContext) -> Iterator[SmtpServer]:
    """STARTTLS required before anything else; AUTH offered only after it."""
    with smtp_server(tls_context=server_tls, require_starttls=True) as server:
        yield server


@pytest.fixture
def tls_server(server_tls: ssl.SSLContext) -> Iterator[SmtpServer]:
    """Implicit TLS ("SMTPS", port 465 in production)."""
    # The whole session is encrypted, so AUTH needs no STARTTLS first.
    with smtp_server(implicit_tls=server_tls, auth_require_tls=False) as server:
        yield server


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never says a word."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nobody listens on: bound so no one else takes it, connections refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
