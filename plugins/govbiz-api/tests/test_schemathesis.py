"""Schemathesis runs the whole OpenAPI document against the real server: no 5xx, every answer as documented.

The server is uvicorn on 127.0.0.1 and a free port over the shared world
(`api_test_server.start`), without rate limits (the run is a burst of a few
hundred requests from one token).  Schemathesis is its command line, in a
process of its own, calling every operation with valid and invalid cases
generated from its schemas, as the city's administrator (who may call the
most).  Its checks: no server error, and a status code, content type,
headers and body the document declares for the operation.  Bounded so the
run stays well under a minute: 8 examples per operation, the fuzzing phase
only, no shrinking, a fixed seed (about 20 s here).

What it found when it first ran: invalid UTF-8 in a command's body was a
500 (now 422), `RevealContacts`' contacts could not be written as JSON, and
the document described every 422 in FastAPI's shape rather than as problem
details, and no 401, 403, 404 or 429 on the queries.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from api_test_server import serving, start
from govbiz_api import create_app
from govbiz_api.limits import RateLimit

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


def test_every_operation_answers_as_its_document_says(tmp_path: Path) -> None:
    world, *_ = start(tmp_path)
    app = create_app(world.ledger, per_token=RateLimit(0), per_client=RateLimit(0))
    token = app.state.services.tokens.create(world.admin, now=world.clock.now()).text
    with serving(app) as base:
        run = _schemathesis(base, token, tmp_path)
    world.ledger.close()
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    assert " passed" in run.stdout, run.stdout[-3000:]
    assert "49 generated" not in run.stdout  # every operation was called more than once


def _schemathesis(base: str, token: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", ",".join(CHECKS),
        "--phases", "fuzzing", "--max-examples", "8", "--seed", "2026", "--no-shrink",
        "--request-timeout", "20", "--workers", "1", "--generation-database", "none", "--no-color",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=90, cwd=tmp_path, check=False)
