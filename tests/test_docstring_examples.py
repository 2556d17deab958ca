"""The examples in docstrings run, like those in the Markdown pages (tests/test_docs.py).

An example is an indented block in a module's, class's or function's
docstring that starts with imports, one of them from govbiz: it says what it
uses, so it can run.  Blocks that are diagrams, TOML or fragments do not
start that way and are not run.  Each example runs in a fresh namespace that
holds what the docstrings assume a reader has: the article's year simulated
on the in-memory store (`ledger`, `viewer`, `supervisor`, `as_of`, and `pid`,
a problem still being handled) and `date`/`datetime`.
"""

from __future__ import annotations

import ast
import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from govbiz.domain import Actor, Role
from govbiz.simulation import SimulationRun
from tests.simulation.conftest import simulate

SRC = Path(__file__).resolve().parents[1] / "src"


def _blocks(docstring: str) -> list[tuple[int, str]]:
    """(line offset, code) of each indented example block of `docstring`."""
    lines = textwrap.dedent(docstring).splitlines() if docstring.startswith("\n") else docstring.splitlines()
    lines = [lines[0], *textwrap.dedent("\n".join(lines[1:])).splitlines()]
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            start, block = i, []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append(lines[i])
                i += 1
            code = textwrap.dedent("\n".join(block)).strip("\n")
            imports = [c for c in code.splitlines() if c.startswith(("from ", "import "))]
            if code.startswith(("from ", "import ")) and any(" govbiz" in c for c in imports):
                found.append((start, code))
            continue
        i += 1
    return found


def _examples() -> list[Any]:
    params = []
    for path in sorted((SRC / "govbiz").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef))]
        for node in nodes:
            docstring = ast.get_docstring(node, clean=False)
            if not docstring:
                continue
            first = node.body[0].lineno
            for offset, code in _blocks(docstring):
                where = f"{path.relative_to(SRC)}:{first + offset}"
                params.append(pytest.param(code, id=where))
    return params


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def article_year() -> SimulationRun:
    return simulate()


def test_the_source_has_examples() -> None:
    assert len(EXAMPLES) >= 8  # one per package at least; a broken collector would find none


@pytest.mark.parametrize("code", EXAMPLES)
def test_the_example_runs(
    code: str, article_year: SimulationRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    viewer = article_year.viewer()
    [pid, *_] = [p.id for p in article_year.ledger.problems(viewer, states=["in_progress"])]
    namespace: dict[str, Any] = {
        "__name__": "docstring_example",
        "date": date,
        "datetime": datetime,
        "ledger": article_year.ledger,
        "viewer": viewer,
        "pid": pid,
        "supervisor": Actor(id="dcs", role=Role.SUPERVISOR, county=article_year.main.code),
        "as_of": article_year.ledger.clock.now(),
    }
    exec(compile(code, "<docstring example>", "exec"), namespace)
