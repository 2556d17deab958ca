"""Plugins use govbiz's public API only: no plugin reads or writes another package's private attributes.

Checked on the source of every package under ``plugins/*/src`` (the
PostgreSQL plugin above all, which builds on the SQL store's extension API,
see docs/reference/storage.md).  An attribute whose name starts with one
underscore is private to the package that defines it, so in a plugin's
class ``self._name`` or ``cls._name`` must be defined by that class or by
one of its bases in the plugin (a method, a class attribute, an assignment
to ``self._name``): a subclass of a govbiz class reaching for an inherited
private attribute is caught too.  ``obj._name`` on anything else, and
``from govbiz... import _name``, are refused, except the namedtuple methods
(``_replace`` ...), which are public API despite their names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"

#: Public API of `collections.namedtuple` (and so of urllib's split results) despite the underscore.
NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_in(cls: ast.ClassDef) -> set[str]:
    """The private names `cls` defines itself: its members and its ``self._x`` assignments."""
    own: set[str] = set()
    for member in cls.body:
        if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            own.add(member.name)
        elif isinstance(member, ast.Assign):
            own.update(t.id for t in member.targets if isinstance(t, ast.Name))
        elif isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
            own.add(member.target.id)
    for node in ast.walk(cls):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in _unpacked(target)]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        own.update(t.attr for t in targets if isinstance(t, ast.Attribute) and _on_self(t))
    return {name for name in own if _private(name)}


def _own_names(classes: dict[str, ast.ClassDef], name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """What class `name` and its bases defined in the same package define (never a govbiz base)."""
    cls = classes[name]
    own = _defined_in(cls)
    for base in cls.bases:
        base_name = base.id if isinstance(base, ast.Name) else None
        if base_name in classes and base_name not in seen:
            own |= _own_names(classes, base_name, seen | {name})
    return own


def _unpacked(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [t for element in target.elts for t in _unpacked(element)]
    return [target]


def _on_self(node: ast.expr) -> bool:
    if not isinstance(node, ast.Attribute):
        return False
    return isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}


def _from_govbiz(node: ast.ImportFrom) -> bool:
    module = node.module or ""
    return node.level == 0 and (module == "govbiz" or module.startswith("govbiz."))


def trespasses(sources: dict[str, str]) -> list[str]:
    """Each use of another package's private name in `sources` (one package: module name -> code)."""
    trees = {name: ast.parse(code) for name, code in sources.items()}
    classes = {n.name: n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    own_by_line: dict[tuple[str, int], set[str]] = {}  # which names `self` may use, by module and line
    for module, tree in trees.items():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            own = _own_names(classes, cls.name)
            for line in range(cls.lineno, (cls.end_lineno or cls.lineno) + 1):
                own_by_line.setdefault((module, line), set()).update(own)
    found: list[tuple[str, int, str]] = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                if _on_self(node):
                    if node.attr not in own_by_line.get((module, node.lineno), set()):
                        found.append((module, node.lineno, f"{ast.unparse(node)} (not the plugin's own)"))
                elif node.attr not in NAMEDTUPLE_API:
                    found.append((module, node.lineno, ast.unparse(node)))
            elif isinstance(node, ast.ImportFrom) and _from_govbiz(node):
                found.extend(
                    (module, node.lineno, f"from {node.module} import {alias.name}")
                    for alias in node.names
                    if _private(alias.name)
                )
    return [f"{module}:{line}: {what}" for module, line, what in sorted(found)]


def _packages() -> list[Path]:
    return sorted(p for p in PLUGINS.glob("*/src/*") if (p / "__init__.py").is_file())


def test_every_plugin_package_is_checked() -> None:
    names = {p.name for p in _packages()}
    assert "govbiz_postgres" in names
    assert len(names) >= 5


@pytest.mark.parametrize("package", _packages(), ids=lambda p: p.name)
def test_a_plugin_touches_no_private_attribute_of_another_package(package: Path) -> None:
    sources = {str(p.relative_to(PLUGINS)): p.read_text(encoding="utf-8") for p in package.rglob("*.py")}
    assert trespasses(sources) == []


def test_the_check_finds_what_it_looks_for() -> None:
    source = """
from govbiz.storage.sql.store import SQLUnitOfWork, _reason


class Unit(SQLUnitOfWork):
    limit = 3
    _own_flag = True

    def __init__(self, store):
        super().__init__(store)
        self._mine, self._also = [], {}

    def read(self, store, parts):
        self._mine.append(store._snapshots.get("p"))  # a store's private cache
        parts._replace(query="")  # namedtuple API: fine
        self._helper()
        return self._problems, self._own_flag, self._also  # _problems is SQLUnitOfWork's

    def _helper(self):
        return self.__class__
"""
    found = trespasses({"plugin.py": source})
    assert found == [
        "plugin.py:2: from govbiz.storage.sql.store import _reason",
        "plugin.py:14: store._snapshots",
        "plugin.py:17: self._problems (not the plugin's own)",
    ]
