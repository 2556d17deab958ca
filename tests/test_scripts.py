"""The repository's scripts: bootstrap installs once, and the main job takes `govbiz simulate`'s options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)

pytestmark = pytest.mark.skipif(
    not (VENV / ".govbiz-bootstrap-dev").exists(), reason="runs in the venv scripts/bootstrap made"
)


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOVBIZ_VENV": str(VENV)}
    env.pop("GOVBIZ_BOOTSTRAP_FORCE", None)
    return subprocess.run(
        [str(ROOT / "scripts" / args[0]), *args[1:]],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=300, check=False,
    )  # fmt: skip


def test_bootstrap_skips_pip_when_nothing_changed() -> None:
    result = _script("bootstrap")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # pip did not run: it would have printed at least its notices
    main = _script("bootstrap", "--main")  # the dev installation holds the main job's
    assert main.returncode == 0 and main.stderr == ""


def test_simulate_passes_govbiz_simulates_options_through() -> None:
    result = _script("simulate", "--json", "--as-of", "2023-04-30")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary  # govbiz simulate's JSON, not the example's table
