"""The generated CLI reference (docs/hooks/cli_reference.py) says what `govbiz COMMAND --help` says."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner

from govbiz.cli import main

HOOK = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "cli_reference.py"


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("govbiz_docs_cli_reference", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_each_usage_line_names_the_command_path_once() -> None:
    reference = _hook().cli_reference()
    usages = re.findall(r"^Usage: (.*)$", reference, flags=re.MULTILINE)
    assert "govbiz calendar day [OPTIONS] DAY" in usages
    assert "govbiz [OPTIONS] COMMAND [ARGS]..." in usages
    assert all(usage.count("govbiz") == 1 for usage in usages), [u for u in usages if u.count("govbiz") > 1]


def test_the_reference_is_what_help_prints_and_shows_the_short_option() -> None:
    reference = _hook().cli_reference()
    printed = CliRunner().invoke(main, ["calendar", "day", "-h"], prog_name="govbiz", terminal_width=100)
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip() in reference
    options = re.findall(r"^\s+(-h, )?--help\b", reference, flags=re.MULTILINE)
    assert options
    assert all(short == "-h, " for short in options)
