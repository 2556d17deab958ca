"""Every hook is documented on docs/reference/hooks.md with the signature the code has."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from govbiz.ports import hooks as hookspecs

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "hooks.md"


def spec_signature(name: str) -> str:
    """`name(arg: type, ...) -> return`, from the spec's annotations as written."""
    function = getattr(hookspecs, name)
    annotations = function.__annotations__
    params = ", ".join(f"{p}: {annotations[p]}" for p in inspect.signature(function).parameters)
    return f"{name}({params}) -> {annotations['return']}"


def hook_names() -> list[str]:
    return sorted(name for name in dir(hookspecs) if name.startswith("govbiz_"))


def documented() -> dict[str, str]:
    """Hook name -> the signature in its ```text block on the page."""
    text = PAGE.read_text(encoding="utf-8")
    sections = re.findall(r"^### `(govbiz_\w+)`\n\n```text\n(.+?)\n```", text, flags=re.M)
    return dict(sections)


def test_every_hook_has_a_section_with_the_codes_signature() -> None:
    page = documented()
    assert len(hook_names()) >= 10
    missing = [name for name in hook_names() if name not in page]
    assert missing == [], f"hooks missing from {PAGE.name}: {missing}"
    wrong = {
        name: (page[name], spec_signature(name))
        for name in hook_names()
        if page[name] != spec_signature(name)
    }
    assert wrong == {}, f"documented signature differs from the code: {wrong}"


def test_the_page_documents_no_hook_that_does_not_exist() -> None:
    assert sorted(documented()) == hook_names()


def test_every_hook_section_has_an_example() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name in hook_names():
        section = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        assert "```python" in section and f"def {name}(" in section, name
