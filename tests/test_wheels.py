"""Releases install: the wheels of govbiz and of every plugin work without the source tree.

An editable install reads package data (calendar notices, scenarios, message and
report templates, migrations) from ``src/``; a wheel that forgets one of them
still passes every other test.  ``scripts/check-wheels`` builds the wheels,
installs them in a fresh virtual environment and runs the main job and a smoke
test from a folder outside the checkout; it fails, never skips, when a wheel
lacks a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check-wheels"


def test_the_wheels_install_and_run_the_main_job(tmp_path: Path) -> None:
    keep = tmp_path / "wheels"
    env = {**os.environ, "PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    env.pop("GOVBIZ_DB", None)
    result = subprocess.run(
        [str(SCRIPT), "--keep", str(keep)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "article figures check" in output
    assert "check-wheels: ok" in output
    wheels = sorted(path.name.split("-")[0] for path in keep.glob("*.whl"))
    plugins = sorted(path.parent.name.replace("-", "_") for path in ROOT.glob("plugins/*/pyproject.toml"))
    assert wheels == sorted(["govbiz", *plugins])
    # The script cleans up after itself: only the kept wheels stay.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["wheels"]
