"""The documentation cannot rot: its examples run, its pages are reachable, its commands exist.

Code examples
    Every fenced ``python`` (or ``py``) block in ``docs/**/*.md`` and in
    ``README.md`` is executed, one test per page.  The blocks of a page run in
    order in one shared namespace (a fresh module per page), so a page can
    build an example up step by step.  ``pycon`` blocks (``>>>`` sessions) run
    as doctests in the same namespace, with ELLIPSIS and NORMALIZE_WHITESPACE.
    Blocks in any other language (``console``, ``text``, ``toml``, ``mermaid``
    ...) are not executed.  Examples run in a temporary working directory, and
    a failure names the page and the line of the failing statement in the
    Markdown file.

    A block opts out only with a marker on the nearest non-blank line before
    its opening fence, stating why::

        <!-- docs-test: skip reason="needs a running PostgreSQL server" -->

    A marker without a reason, with an unknown directive, or that is not
    followed by an executable block is an error.

Navigation
    Every page under ``docs/`` is in the ``nav`` of ``mkdocs.yml`` or matches
    its ``not_in_nav`` patterns, and every nav entry names an existing page.

Commands
    The commands in README.md's Quick start name scripts that exist and are
    executable, and the README's links into ``docs/`` point at existing pages.
"""

from __future__ import annotations

import doctest
import io
import os
import re
import shlex
import sys
import textwrap
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"

PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})
DOCTEST_LANGUAGES = frozenset({"pycon"})

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--\s*docs-test:(?P<body>.*?)-->\s*$")
_SKIP = re.compile(r'^\s*skip\s+reason="(?P<reason>[^"]*)"\s*$')


class DocsSyntaxError(Exception):
    """A page's docs-test markers or fences are malformed."""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown page."""

    path: Path
    line: int  # 1-based line of the first line of code (after the opening fence)
    language: str
    code: str
    skip_reason: str | None = None

    @property
    def executable(self) -> bool:
        return self.language in PYTHON_LANGUAGES | DOCTEST_LANGUAGES


def _language(info: str) -> str:
    """The language of a fence's info string: ``python``, ``{.python}``, ``py title="x"``."""
    words = info.strip().split()
    return words[0].lstrip("{").lstrip(".").rstrip("}").lower() if words else ""


def _parse_marker(body: str, where: str) -> str:
    match = _SKIP.match(body)
    if match is None:
        raise DocsSyntaxError(
            f"{where}: unknown docs-test marker {body.strip()!r}; the only marker is "
            f'<!-- docs-test: skip reason="..." -->'
        )
    reason = match["reason"].strip()
    if not reason:
        raise DocsSyntaxError(f"{where}: a docs-test skip marker must state a reason")
    return reason


def parse_blocks(text: str, path: Path) -> list[Block]:
    """Every fenced code block of ``text``, with the skip marker that precedes it."""
    lines = text.splitlines()
    blocks: list[Block] = []
    pending: tuple[int, str] | None = None  # (line number, reason) of an unused marker
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = _MARKER.match(line)
        if marker:
            if pending is not None:
                raise DocsSyntaxError(f"{path}:{pending[0]}: docs-test marker before no code block")
            pending = (i + 1, _parse_marker(marker["body"], f"{path}:{i + 1}"))
            i += 1
            continue
        opening = _FENCE_OPEN.match(line)
        if opening is None:
            if line.strip() and pending is not None:
                raise DocsSyntaxError(
                    f"{path}:{pending[0]}: docs-test marker must be the last non-blank "
                    f"line before a code block"
                )
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [
            ln[len(indent) :] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1 : end]
        ]
        skip_reason = pending[1] if pending is not None else None
        language = _language(opening["info"])
        block = Block(path, i + 2, language, textwrap.dedent("\n".join(body)) + "\n", skip_reason)
        if pending is not None and not block.executable:
            raise DocsSyntaxError(
                f"{path}:{pending[0]}: docs-test marker before a {language or 'plain'} block, "
                f"which is never executed"
            )
        pending = None
        blocks.append(block)
        i = end + 1
    if pending is not None:
        raise DocsSyntaxError(f"{path}:{pending[0]}: docs-test marker before no code block")
    return blocks


def markdown_pages() -> list[Path]:
    return [*sorted(DOCS.rglob("*.md")), README]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _pages_with_examples() -> Iterator[Any]:
    for page in markdown_pages():
        try:
            blocks = parse_blocks(page.read_text(encoding="utf-8"), page)
        except DocsSyntaxError:
            yield pytest.param(page, id=_rel(page))  # the test reports the error
            continue
        # Only pages with a block that really runs: a page whose every example
        # needs a server (each marked with its reason) is not a test at all,
        # rather than a skipped one that could be mistaken for a pass.
        if any(block.executable and block.skip_reason is None for block in blocks):
            yield pytest.param(page, id=_rel(page))


def _run_python(block: Block, namespace: dict[str, Any]) -> None:
    # Pad with blank lines so that tracebacks give the line in the Markdown file.
    source = "\n" * (block.line - 1) + block.code
    code = compile(source, str(block.path), "exec")
    try:
        exec(code, namespace)
    except Exception as error:
        frames = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
        pytest.fail(
            f"{_rel(block.path)}:{block.line}: the python block starting here raised "
            f"{type(error).__name__}: {error}\n\n{''.join(frames)}",
            pytrace=False,
        )


def _run_doctest(block: Block, namespace: dict[str, Any]) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(
        block.code, namespace, _rel(block.path), str(block.path), block.line - 1
    )
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    report = io.StringIO()
    result = runner.run(test, out=report.write, clear_globs=False)
    namespace.update(test.globs)  # DocTest works on a copy; later blocks see its names
    if result.failed:
        pytest.fail(
            f"{_rel(block.path)}:{block.line}: the pycon block starting here failed\n\n"
            + report.getvalue(),
            pytrace=False,
        )


@pytest.mark.parametrize("page", list(_pages_with_examples()))
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        blocks = parse_blocks(page.read_text(encoding="utf-8"), page)
    except DocsSyntaxError as error:
        pytest.fail(str(error), pytrace=False)
    monkeypatch.chdir(tmp_path)
    name = "docs_example_" + re.sub(r"\W", "_", _rel(page))
    module = types.ModuleType(name)
    module.__file__ = str(page)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses, pickle, pydantic need it
    executable = [block for block in blocks if block.executable]
    for block in executable:
        if block.skip_reason is not None:
            continue
        if block.language in DOCTEST_LANGUAGES:
            _run_doctest(block, module.__dict__)
        else:
            _run_python(block, module.__dict__)
    if all(block.skip_reason is not None for block in executable):
        pytest.skip(
            "every python block of this page opts out: "
            + "; ".join(f"line {block.line}: {block.skip_reason}" for block in executable)
        )


# -- the collector itself ----------------------------------------------------------------------


def _blocks(text: str) -> list[Block]:
    return parse_blocks(textwrap.dedent(text), Path("page.md"))


def test_collector_finds_fenced_blocks_with_languages_and_lines() -> None:
    blocks = _blocks(
        """\
        # Page

        ```python
        x = 1
        ```

        !!! note
            ```py title="indented"
            y = x + 1
            ```

        ````markdown
        ```python
        not a block of its own
        ```
        ````

        ~~~console
        $ scripts/test
        ~~~
        """
    )
    assert [(b.language, b.line, b.code) for b in blocks] == [
        ("python", 4, "x = 1\n"),
        ("py", 9, "y = x + 1\n"),
        ("markdown", 13, "```python\nnot a block of its own\n```\n"),
        ("console", 19, "$ scripts/test\n"),
    ]
    assert [b.executable for b in blocks] == [True, True, False, False]


def test_skip_marker_applies_to_the_next_block_only() -> None:
    blocks = _blocks(
        """\
        <!-- docs-test: skip reason="needs a PostgreSQL server" -->

        ```python
        import psycopg
        ```

        ```python
        ran = True
        ```
        """
    )
    assert [b.skip_reason for b in blocks] == ["needs a PostgreSQL server", None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- docs-test: skip -->\n```python\npass\n```\n", "unknown docs-test marker"),
        ('<!-- docs-test: skip reason=" " -->\n```python\npass\n```\n', "must state a reason"),
        ('<!-- docs-test: skip reason="x" -->\n```console\n$ ls\n```\n', "never executed"),
        ('<!-- docs-test: skip reason="x" -->\ntext\n```python\npass\n```\n', "last non-blank"),
        ('```python\npass\n```\n<!-- docs-test: skip reason="x" -->\n', "before no code block"),
    ],
    ids=["no-reason", "blank-reason", "before-console", "not-adjacent", "at-the-end"],
)
def test_malformed_markers_are_errors(text: str, message: str) -> None:
    with pytest.raises(DocsSyntaxError, match=message):
        parse_blocks(text, Path("page.md"))


def test_a_failing_example_names_the_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n```python\nx = 1\nraise ValueError('boom')\n```\n", encoding="utf-8"
    )
    (block,) = parse_blocks(page.read_text(encoding="utf-8"), page)
    with pytest.raises(pytest.fail.Exception) as failure:
        _run_python(block, {})
    assert f"{page}:4: the python block starting here raised ValueError: boom" in str(failure.value)
    assert f'File "{page}", line 5' in str(failure.value)


def test_pycon_blocks_run_as_doctests_and_share_the_namespace() -> None:
    namespace: dict[str, Any] = {}
    (block,) = _blocks(
        """\
        ```pycon
        >>> total = 1 + 1
        >>> total
        2
        ```
        """
    )
    _run_doctest(Block(ROOT / "page.md", block.line, block.language, block.code), namespace)
    assert namespace["total"] == 2
    with pytest.raises(pytest.fail.Exception, match="pycon block starting here failed"):
        _run_doctest(Block(ROOT / "page.md", 1, "pycon", ">>> total\n3\n"), namespace)


# -- navigation --------------------------------------------------------------------------------


class _MkDocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without importing what its ``!!python/name:`` tags name."""


_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
_MkDocsLoader.add_multi_constructor("!", lambda *_: None)


def _mkdocs_config() -> dict[str, Any]:
    with (ROOT / "mkdocs.yml").open(encoding="utf-8") as file:
        config: dict[str, Any] = yaml.load(file, Loader=_MkDocsLoader)
    return config


def _nav_pages(entry: object) -> Iterator[str]:
    if isinstance(entry, str):
        if "://" not in entry:
            yield entry
    elif isinstance(entry, list):
        for item in entry:
            yield from _nav_pages(item)
    elif isinstance(entry, dict):
        for value in entry.values():
            yield from _nav_pages(value)


def _spec(patterns: str | None) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines((patterns or "").splitlines())


def test_every_page_is_in_the_nav_or_listed_as_not_in_nav() -> None:
    config = _mkdocs_config()
    if "nav" not in config:
        return  # without a nav, MkDocs lists every page itself
    nav = set(_nav_pages(config["nav"]))
    excluded = _spec(".*\n/templates/\n" + (config.get("exclude_docs") or ""))
    not_in_nav = _spec(config.get("not_in_nav"))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    pages = {p for p in pages if not excluded.match_file(p)}
    orphans = sorted(p for p in pages - nav if not not_in_nav.match_file(p))
    assert not orphans, (
        f"pages not reachable from the nav of mkdocs.yml: {orphans}; add them to `nav:` "
        f"or, if they are meant to be reached only by links, to `not_in_nav:`"
    )
    missing = sorted(nav - pages)
    assert not missing, f"nav entries in mkdocs.yml without a page under docs/: {missing}"


# -- commands and links ------------------------------------------------------------------------


def _section(markdown: str, heading: str) -> str:
    match = re.search(
        rf"^## {re.escape(heading)}\s*$(?P<body>.*?)(?=^## |\Z)", markdown, re.M | re.S
    )
    assert match, f"README.md has no '## {heading}' section"
    return match["body"]


def _console_commands(markdown: str, path: Path) -> list[str]:
    commands = []
    for block in parse_blocks(markdown, path):
        if block.language in {"console", "shell-session"}:
            for line in block.code.splitlines():
                if line.startswith("$ "):
                    commands.append(shlex.split(line[2:], comments=True)[0])
    return commands


def test_readme_quick_start_commands_are_executable_scripts() -> None:
    quick_start = _section(README.read_text(encoding="utf-8"), "Quick start")
    commands = _console_commands(quick_start, README)
    assert commands, "README.md's Quick start shows no `$ ` command in a console block"
    for command in commands:
        script = ROOT / command
        assert script.is_file(), f"README.md's Quick start runs {command}, which does not exist"
        assert os.access(script, os.X_OK), f"{command} (README.md Quick start) is not executable"


def test_scripts_named_in_console_blocks_exist() -> None:
    broken = []
    for page in markdown_pages():
        for command in _console_commands(page.read_text(encoding="utf-8"), page):
            script = ROOT / command
            if command.startswith("scripts/") and not os.access(script, os.X_OK):
                broken.append(f"{_rel(page)}: {command}")
    assert not broken, f"console blocks run scripts that are missing or not executable: {broken}"


def test_readme_links_into_docs_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#\s]+)", README.read_text(encoding="utf-8"))
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, f"README.md links to missing files: {missing}"


def test_the_glossarys_metric_names_are_registered_metrics() -> None:
    """Every code name in the glossary's metrics table is a metric the registry knows."""
    from govbiz.metrics import standard_registry

    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    # Metric rows are the table rows whose Chinese term is a count (数) or a rate (率).
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| ")]
    names = {
        name
        for cells in rows
        if cells[1].strip().endswith(("数", "率", "用时", "账龄"))
        for name in re.findall(r"`([a-z_]+)`", cells[3])
    }
    known = {d.name for d in standard_registry().definitions}
    assert names, "no metric rows found in the glossary"
    assert names <= known, f"glossary names metrics that do not exist: {sorted(names - known)}"
