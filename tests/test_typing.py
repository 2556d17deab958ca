"""A type checker knows what `Ledger.handle` returns for each command (`Command[R]` -> `R`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mypy import api

SNIPPET = textwrap.dedent(
    """
    from typing import assert_type

    from govbiz import commands as c
    from govbiz.domain import Actor, Division, Problem
    from govbiz.domain.holiday_notice import NoticeAdded
    from govbiz.ledger import Ledger
    from govbiz.retry import handle_retrying

    def use(ledger: Ledger, actor: Actor) -> None:
        assert_type(ledger.handle(actor, c.SignAssignment(problem_id="p")), Problem)
        assert_type(ledger.handle(actor, c.RegisterDivision(code="430800", name="x", level="city")), Division)
        assert_type(ledger.handle(actor, c.AddHolidayNotice(text="x")), NoticeAdded)
        assert_type(handle_retrying(ledger, actor, c.TriageProblem(problem_id="p")), Problem)
        ledger.handle(actor, c.SignAssignment(problem_id="p")).no_such_attribute
    """
)


def test_handle_is_typed_by_its_command(tmp_path: Path) -> None:
    path = tmp_path / "uses_the_ledger.py"
    path.write_text(SNIPPET, encoding="utf-8")
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy_cache"), str(path)]
    )
    lines = [line for line in out.splitlines() if line.startswith(str(path))]
    # Only the last line is wrong: the four assert_type lines hold.
    assert len(lines) == 1, out + err
    assert '"Problem" has no attribute "no_such_attribute"' in lines[0]
    assert status == 1
