"""The tutorial shows this package's real code: every titled block on the page is in the file it names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
TUTORIAL = PACKAGE.parents[1] / "docs" / "tutorials" / "notification-plugin.md"
_BLOCK = re.compile(r'^```(?P<language>\w+) title="(?P<title>[^"]+)"\n(?P<code>.*?)^```$', re.M | re.S)


def shown_blocks() -> list[tuple[str, str, str]]:
    """(language, file, code) of each block whose title names a file of the package."""
    text = TUTORIAL.read_text(encoding="utf-8")
    return [(m["language"], m["title"], m["code"]) for m in _BLOCK.finditer(text)]


def top_level_statements(code: str) -> list[str]:
    """The source of each top-level statement (with its decorators) of a Python block."""
    tree = ast.parse(code)
    lines = code.splitlines()
    statements = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        start = (decorators[0].lineno if decorators else node.lineno) - 1
        assert node.end_lineno is not None
        statements.append("\n".join(lines[start : node.end_lineno]))
    return statements


def test_every_source_file_is_shown_whole() -> None:
    whole = {
        title for _, title, code in shown_blocks() if code == (PACKAGE / title).read_text(encoding="utf-8")
    }
    sources = {path.relative_to(PACKAGE).as_posix() for path in (PACKAGE / "src").rglob("*.py")}
    assert sources <= whole, f"shown out of date or not at all: {sorted(sources - whole)}"
    assert "pyproject.toml" in whole


def test_every_excerpt_is_in_its_file() -> None:
    blocks = shown_blocks()
    assert len(blocks) >= 7
    for language, title, code in blocks:
        source = (PACKAGE / title).read_text(encoding="utf-8")
        if code == source:
            continue
        assert language == "python", f"{title}: the page shows something the file does not have"
        for statement in top_level_statements(code):
            assert statement in source, f"{title}: the page shows code the file does not have:\n{statement}"
