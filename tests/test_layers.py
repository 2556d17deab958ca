"""The layering contract: which parts of govbiz may import which, checked on the source.

Bottom: the domain, the calendar, the deadline rules and the errors, pure
and importable alone.  Then the ports (`govbiz.ports`), which import only
those.  Adapters (storage, built-in plugins) implement ports
and never reach up into the Ledger or what is built on it.  Nothing in the
library imports the command line, the simulation or the test helpers, which
sit on top.  And no module-level import cycle exists, so every module can be
imported first.  Imports under `if TYPE_CHECKING:` and inside functions
(deferred on purpose) do not count; `from package import module` depends on
the module, not on the package's `__init__`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: The bottom layer and what it may import: itself only.
BOTTOM = ("govbiz.domain", "govbiz.calendar", "govbiz.deadlines", "govbiz.errors")
#: The ports: what adapters implement; they import the bottom layer and each other only.
PORTS = ("govbiz.ports",)
#: Adapters, and what they must never import.
ADAPTERS = ("govbiz.storage", "govbiz.builtin")
ABOVE_ADAPTERS = (
    "govbiz.ledger", "govbiz.handlers", "govbiz.cli", "govbiz.simulation",
    "govbiz.metrics", "govbiz.supervision",
)  # fmt: skip
#: The top: only these (and the `python -m govbiz` entry) import each other.
TOP = ("govbiz.cli", "govbiz.simulation", "govbiz.testing")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in (SRC / "govbiz").rglob("*.py")}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _top_level_imports(path: Path) -> set[str]:
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in MODULES else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            for field in ("body", "orelse", "handlers", "finalbody"):
                visit(getattr(node, field, []))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in MODULES}


GRAPH = {name: _top_level_imports(path) for name, path in MODULES.items()}


def test_the_bottom_layer_imports_only_itself() -> None:
    wrong = {
        m: sorted(d for d in deps if not _within(d, BOTTOM))
        for m, deps in GRAPH.items()
        if _within(m, BOTTOM)
    }
    assert {m: d for m, d in wrong.items() if d} == {}


def test_the_ports_import_only_the_bottom_layer_and_each_other() -> None:
    wrong = {
        m: sorted(d for d in deps if not _within(d, (*BOTTOM, *PORTS)))
        for m, deps in GRAPH.items()
        if _within(m, PORTS)
    }
    assert {m: d for m, d in wrong.items() if d} == {}


def test_the_old_port_paths_still_give_the_same_objects() -> None:
    from govbiz import hookspecs
    from govbiz.notify import channel, outbox
    from govbiz.ports import channel as channel_port
    from govbiz.ports import hooks, report_format, storage
    from govbiz.ports import outbox as outbox_port
    from govbiz.reports import format as old_format
    from govbiz.storage import port

    assert port.Store is storage.Store and port.earliest_deadlines is storage.earliest_deadlines
    assert outbox.Outbox is outbox_port.Outbox
    assert channel.Notification is channel_port.Notification
    assert old_format.ReportFormat is report_format.ReportFormat
    assert hookspecs.govbiz_storage is hooks.govbiz_storage and hookspecs.hookimpl is hooks.hookimpl


def test_adapters_never_import_the_service_or_what_is_built_on_it() -> None:
    wrong = {
        m: sorted(d for d in deps if _within(d, ABOVE_ADAPTERS))
        for m, deps in GRAPH.items()
        if _within(m, ADAPTERS)
    }
    assert {m: d for m, d in wrong.items() if d} == {}


#: County configuration files as data (read, laid, kept): the handlers use them, so they stay below
#: the service; only `govbiz.config.apply` and `govbiz.config.check` sit on the Ledger.
CONFIG_DATA = ("govbiz.config.file", "govbiz.config.layer", "govbiz.config.kept", "govbiz.config")


def test_county_files_as_data_never_import_the_service() -> None:
    wrong = {
        m: sorted(d for d in deps if _within(d, ABOVE_ADAPTERS) or d in ("govbiz.config.apply",))
        for m, deps in GRAPH.items()
        if m in CONFIG_DATA
    }
    assert set(CONFIG_DATA) <= set(GRAPH)
    assert {m: d for m, d in wrong.items() if d} == {}


def test_only_the_top_imports_the_top() -> None:
    wrong = {
        m: sorted(d for d in deps if _within(d, TOP))
        for m, deps in GRAPH.items()
        if not _within(m, TOP) and m != "govbiz.__main__"
    }
    assert {m: d for m, d in wrong.items() if d} == {}


def test_no_module_level_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(GRAPH[module]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep):], dep])
            elif dep not in state:
                walk(dep, [*path, dep])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            walk(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", ["govbiz.domain", "govbiz.calendar", "govbiz.deadlines"])
def test_the_bottom_layer_loads_alone(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "heavy = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('jinja2', 'sqlalchemy', 'rich', 'click') "
        "or m.startswith(('govbiz.ledger', 'govbiz.notify', 'govbiz.storage', 'govbiz.metrics'))); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
