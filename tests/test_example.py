"""The runnable examples (README's main job: run.py) work and tell the truth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "reception_day"


def _run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=120,
    )
    return result.stdout


def test_the_main_job_replays_the_articles_year_on_sqlite() -> None:
    out = _run("run.py")
    assert "[通知" not in out  # the notifications are summarised ...
    assert "交办通知 assigned" in out and "by channel: console 260" in out
    assert "案例 Case: jiurui" in out
    assert "办结率 64.3% = 9/14" in out and "办结率 75.0% = 9/12" in out
    assert "All article figures reproduced." in out


def test_the_main_job_prints_each_notification_when_verbose() -> None:
    out = _run("run.py", "--verbose")
    assert "[通知 -> 市自规局] 【交办通知】" in out  # ... or printed on the console channel
    assert "新厂“五通一平”施工保障" in out and "老厂土地变性招拍" in out
    assert "All article figures reproduced." in out


def test_the_main_job_is_what_scripts_simulate_runs() -> None:
    script = (ROOT / "scripts" / "simulate").read_text(encoding="utf-8")
    assert "scripts/bootstrap" in script
    assert "examples/reception_day/run.py" in script


def test_the_first_day_example_runs_and_reports_what_happened() -> None:
    out = _run("first_day.py")
    assert "430800-2025-0001  新厂“五通一平”施工保障" in out
    assert "第7个工作日" in out and "清明节" in out
    assert "⚠ 逾期报送 late" in out  # the fifth department reported after 10 April
    assert "汇总 (summary): 已销号 2, 长期推进 1, 重办 1, 办理中 1" in out
    assert "5 of 5 problems replay to their stored state" in out
