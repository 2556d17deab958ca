"""`govbiz serve` itself: a subprocess with two uvicorn workers over one SQLite ledger."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from api_test_server import free_port, start
from click.testing import CliRunner
from govbiz_api.tables import ApiDatabase
from govbiz_api.tokens import TokenStore

from govbiz.cli import main


def test_serve_runs_workers_that_share_the_ledger_and_its_keys(tmp_path: Path) -> None:
    world, db_url, city_problem, *_ = start(tmp_path)
    text = TokenStore(ApiDatabase(world.ledger.store)).create(world.supervisor, now=world.clock.now()).text
    world.ledger.close()
    port = free_port()
    command = [sys.executable, "-m", "govbiz", "serve", "--db", db_url, "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                document = httpx.get(f"{base}/openapi.json", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "govbiz serve did not answer"
                time.sleep(0.2)
        assert document.json()["openapi"].startswith("3.1")
        headers = {"Authorization": f"Bearer {text}", "Idempotency-Key": "serve-1"}
        body = {"problem_id": city_problem.id, "note": "请尽快签收"}
        # Several requests: uvicorn's workers take them in turn, every one finds the same key.
        answers = [
            httpx.post(f"{base}/v1/commands/SendReminder", json=body, headers=headers) for _ in range(6)
        ]
        assert {a.status_code for a in answers} == {200}
        assert [a.headers.get("idempotency-replayed") for a in answers] == [None] + ["true"] * 5
        shown = httpx.get(
            f"{base}/v1/problems/{city_problem.id}", headers={"Authorization": f"Bearer {text}"}
        )
        assert len(shown.json()["problem"]["reminders"]) == 1
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output


def test_serve_refuses_a_ledger_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", f"sqlite:///{tmp_path / 'tpyo.db'}"])
    assert result.exit_code == 2
    assert "tpyo.db" in result.output
    assert not (tmp_path / "tpyo.db").exists()
