"""`govbiz demo`: the Zhangjiajie year in a temporary ledger, served, with users to sign in as."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from api_test_server import free_port
from workbench_server import sign_in


@pytest.mark.parametrize("form", ["demo", "serve --demo"])
def test_govbiz_demo_serves_the_year_and_prints_how_to_sign_in(tmp_path: Path, form: str) -> None:
    port = free_port()
    keep = ["--keep", str(tmp_path / "demo")] if form == "demo" else []  # the issue's `govbiz serve --demo`
    command = [sys.executable, "-m", "govbiz", *form.split(), "--port", str(port), *keep]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        printed: list[str] = []
        while not any(line.startswith("  dept-zgj") for line in printed):
            line = server.stdout.readline()
            assert line, f"govbiz demo ended: {printed}"
            printed.append(line)
        found = re.search(r"password (\S+)", "".join(printed))
        assert found, printed
        assert "clock stopped at 2023-11-15 23:59" in "".join(printed)
        assert any(line.split()[:2] == ["tzb", "收集人"] for line in printed)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None
                assert time.monotonic() < deadline, "govbiz demo did not answer"
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as http:
            assert sign_in(http, "tzb", found.group(1)).status_code == 303
            assert (
                "共 59 个问题" in http.get("/ledger").text
            )  # the article's 59 problems collected and assigned
        with httpx.Client(base_url=base, timeout=30) as http:
            assert sign_in(http, "dept-zgj", found.group(1)).status_code == 303
            inbox = http.get("/department")
            assert "部门工作台 · 市自规局" in inbox.text
            assert sign_in(http, "dept-zgj", "wrong-password").status_code == 401
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert (tmp_path / "demo" / "demo.db").exists() == bool(keep)  # --keep kept it
