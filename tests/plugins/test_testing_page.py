"""docs/tutorials/testing-your-plugin.md lists every fixture govbiz ships, and its test modules pass."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from govbiz.testing import contention, contract, pytest_plugin
from tests.test_docs import parse_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "tutorials" / "testing-your-plugin.md"
PLUGIN = ROOT / "src" / "govbiz" / "testing" / "pytest_plugin.py"
#: The marker of the page's blocks that are test modules (run here, not by tests/test_docs.py).
TEST_MODULE = "a test module: tests/plugins/test_testing_page.py runs it under pytest"


def plugin_fixtures() -> dict[str, str]:
    """Fixture name -> scope, from the `@pytest.fixture` decorators of the pytest plugin's source."""
    found: dict[str, str] = {}
    for node in ast.parse(PLUGIN.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) in ("pytest.fixture", "fixture"):
                keywords = {k.arg: k.value for k in call.keywords} if call else {}
                name = keywords.get("name")
                scope = keywords.get("scope")
                fixture = ast.literal_eval(name) if name is not None else node.name
                found[fixture] = ast.literal_eval(scope) if scope is not None else "function"
    return found


def page_fixtures() -> dict[str, str]:
    """Fixture name -> scope, from the rows of the page's fixture table."""
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("## The fixtures", 1)[1].split("\n### ", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", table, flags=re.M))


def test_the_fixtures_are_found_in_the_source() -> None:
    assert {"govbiz_plugin_manager", "govbiz_ledger", "captured_notifications"} <= set(plugin_fixtures())


def test_every_fixture_is_in_the_pages_table_with_its_scope() -> None:
    assert page_fixtures() == plugin_fixtures()


def test_every_fixture_has_a_section_with_an_example() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name in plugin_fixtures():
        assert f"\n### `{name}`\n" in text, name
        section = text.split(f"\n### `{name}`\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
        assert "```python" in section and name in section.split("```python", 1)[1], name


def test_every_public_helper_is_on_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    names = [*contract.__all__, *contention.__all__, *pytest_plugin.__all__]
    missing = [name for name in names if name not in text]
    assert missing == []


def test_the_pages_test_modules_pass(tmp_path: Path) -> None:
    blocks = [b for b in parse_blocks(PAGE.read_text(encoding="utf-8"), PAGE) if b.skip_reason == TEST_MODULE]
    assert len(blocks) >= 7
    for number, block in enumerate(blocks):
        (tmp_path / f"test_page_{number}.py").write_text(block.code, encoding="utf-8")
    tests = sum(len(re.findall(r"^def test_", b.code, flags=re.M)) for b in blocks)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    contract_tests = re.search(r"(\d+) passed", run.stdout)
    assert contract_tests is not None, run.stdout
    # The page's own tests, plus the storage contract suite the page's TestMyStore inherits.
    assert int(contract_tests[1]) > tests >= 8, run.stdout
    assert " failed" not in run.stdout and "skipped" not in run.stdout, run.stdout
