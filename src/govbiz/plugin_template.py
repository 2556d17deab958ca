"""The plugin template behind `govbiz new-plugin`: a package that installs and passes its tests.

The generated package has a `pyproject.toml` declaring the `govbiz` entry
point, a module with one working hook (a county profile) and one command,
and tests that use the fixtures govbiz ships for plugin authors.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from govbiz import __version__
from govbiz.errors import ValidationError

__all__ = ["PLACEHOLDER_COUNTY", "render_plugin"]

#: The division code `govbiz new-plugin` uses when none is given: no real division and no bundled
#: plugin has it (99 is no province), so a scaffold installed beside the bundled plugins never
#: answers for their counties until its author sets the real code.
PLACEHOLDER_COUNTY = "990101"

_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "govbiz-$name"
version = "0.1.0"
description = "A govbiz plugin: $name"
requires-python = ">=3.11"
dependencies = ["govbiz>=$govbiz_version"]

[project.optional-dependencies]
dev = ["pytest>=8"]

[project.entry-points.govbiz]
$name = "$module"

[tool.hatch.build.targets.wheel]
packages = ["src/$module"]
"""

_MODULE = '''\
"""govbiz plugin $name.

Each function decorated with `govbiz.hookimpl` implements a hook and
contributes by returning; see the govbiz documentation's "Plugin hooks"
page for all of them, and "Testing your plugin" for the fixtures the tests
below use.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from govbiz import hookimpl
from govbiz.profile import ProfileParts

#: The county this plugin configures (a six-digit division code).
COUNTY = "$county"


@hookimpl
def govbiz_county_profile(county: str) -> ProfileParts | None:
    """This county's name, categories and sources; `None` for every other county.

    Only these parts are given: the others (departments, leaders, deadline
    rules, notifications) come from the city's plugin if one is installed,
    else from govbiz's defaults.  Return a whole `CountyProfile` to give
    every part.
    """
    if county != COUNTY:
        return None
    return ProfileParts(
        name="$name",
        categories=("土地规划", "融资", "审批", "其他"),
        sources=("座谈会", "企业自报"),
    )


@click.command("$name-hello")
def hello() -> None:
    """Say hello from the $name plugin."""
    click.echo("$name: 你好，接待日")


@hookimpl
def govbiz_register_commands() -> Iterable[click.Command]:
    """Add `govbiz $name-hello`."""
    return [hello]
'''

_TESTS = '''\
"""Tests for the $name plugin, using the fixtures govbiz ships for plugin authors."""

from __future__ import annotations

import pluggy
from click.testing import CliRunner

from govbiz.cli import main
from govbiz.plugins import county_profile, describe_plugins


def test_the_plugin_is_installed(govbiz_plugin_manager: pluggy.PluginManager) -> None:
    assert "$name" in {info.name for info in describe_plugins(govbiz_plugin_manager)}


def test_the_county_profile(govbiz_plugin_manager: pluggy.PluginManager) -> None:
    profile = county_profile("$county", govbiz_plugin_manager)
    assert profile.categories == ("土地规划", "融资", "审批", "其他")


def test_the_command() -> None:
    result = CliRunner().invoke(main, ["$name-hello"])
    assert result.exit_code == 0, result.output
    assert "你好" in result.output
'''

_README = """\
# govbiz-$name

A govbiz plugin made from the template (`govbiz new-plugin $name`).

```console
$$ pip install -e ".[dev]"
$$ govbiz plugins          # lists "$name"
$$ pytest                  # the plugin's own tests
```
"""

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def render_plugin(name: str, directory: Path, *, county: str) -> Path:
    """Write the package `govbiz-<name>` into `directory` and return its path.

    `name` is lower case with hyphens (`yongding-sms`); the module is
    `govbiz_<name with underscores>`.  `county` is the division code the
    sample profile answers for; it refines the profile a city plugin gives
    that county, part by part.  An existing target is refused.
    """
    if not _NAME.match(name):
        raise ValidationError(
            "name", name, "use lower-case letters, digits and hyphens, starting with a letter"
        )
    if len(county) != 6 or not county.isdigit():
        raise ValidationError("county", county, "an administrative division code has six digits")
    module = "govbiz_" + name.replace("-", "_")
    root = directory / f"govbiz-{name}"
    if root.exists():
        raise ValidationError("name", name, f"{root} already exists")
    values = {"name": name, "module": module, "county": county, "govbiz_version": __version__}
    files = {
        root / "pyproject.toml": _PYPROJECT,
        root / "README.md": _README,
        root / "src" / module / "__init__.py": _MODULE,
        root / "tests" / f"test_{module}.py": _TESTS,
    }
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values), encoding="utf-8")
    return root
