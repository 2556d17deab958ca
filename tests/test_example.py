"""The runnable example (README's main job) works and tells the truth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_reception_day_example_runs_and_reports_what_happened() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "reception_day" / "run.py")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=120,
    )
    out = result.stdout
    assert "430800-2025-0001  新厂“五通一平”施工保障" in out
    assert "第7个工作日" in out and "清明节" in out
    assert "⚠ 逾期报送 late" in out  # the fifth department reported after 10 April
    assert "汇总 (summary): 已销号 2, 长期推进 1, 重办 1, 办理中 1" in out
    assert "5 of 5 problems replay to their stored state" in out
