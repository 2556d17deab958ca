"""The plugin-facing modules have reference pages, and no page passes pytest's fixtures off as govbiz's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.plugins.test_testing_page import PLUGIN, plugin_fixtures

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: pytest's own fixtures that a page may use beside govbiz's.
PYTEST_FIXTURES = ("monkeypatch", "tmp_path", "tmp_path_factory", "capsys", "caplog", "request")


def _documented_modules() -> set[str]:
    """Every `::: module` line of the reference pages (rendered by mkdocstrings)."""
    found: set[str] = set()
    for page in (DOCS / "reference").glob("*.md"):
        found.update(re.findall(r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), flags=re.M))
    return found


@pytest.mark.parametrize(
    "module", ["govbiz.plugins", "govbiz.ports.hooks", "govbiz.notify", "govbiz.testing.pytest_plugin"]
)
def test_the_module_has_a_reference_page(module: str) -> None:
    assert module in _documented_modules()


def test_the_reference_names_govbiz_hookspecs_as_the_same_hooks() -> None:
    page = (DOCS / "reference" / "plugins.md").read_text(encoding="utf-8")
    assert "`govbiz.hookspecs`" in page


def test_every_fixture_has_the_docstring_its_reference_shows() -> None:
    # mkdocstrings leaves out a name without a docstring (show_if_no_docstring: false).
    functions = {
        node.name: ast.get_docstring(node)
        for node in ast.parse(PLUGIN.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
    }
    assert plugin_fixtures()
    assert not [name for name in plugin_fixtures() if not functions.get(name)]


def test_no_page_calls_a_pytest_fixture_a_govbiz_one() -> None:
    wrong = []
    for page in DOCS.rglob("*.md"):
        for paragraph in page.read_text(encoding="utf-8").split("\n\n"):
            named = [name for name in PYTEST_FIXTURES if f"`{name}`" in paragraph]
            if (
                named
                and "fixture" in paragraph
                and "govbiz install" in paragraph
                and "pytest's" not in paragraph
            ):
                wrong.append(f"{page.relative_to(DOCS)}: {', '.join(named)}")
    assert not wrong
