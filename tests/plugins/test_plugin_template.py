"""A plugin generated from the template installs, is discovered and passes its own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govbiz.cli import main
from govbiz.errors import ValidationError
from govbiz.plugin_template import render_plugin


def pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True, timeout=300
    )


def test_the_generated_plugin_installs_and_passes_its_tests(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["new-plugin", "templatetest", "--dir", str(tmp_path), "--county", "430111"]
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "govbiz-templatetest"
    assert (root / "src" / "govbiz_templatetest" / "__init__.py").exists()
    pip("install", "--no-deps", "-e", str(root))
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "3 passed" in run.stdout
    finally:
        pip("uninstall", "-y", "govbiz-templatetest")


@pytest.mark.parametrize(("name", "county"), [("Bad_Name", "430800"), ("ok", "4308")])
def test_bad_names_and_counties_are_refused(tmp_path: Path, name: str, county: str) -> None:
    with pytest.raises(ValidationError):
        render_plugin(name, tmp_path, county=county)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_not_overwritten(tmp_path: Path) -> None:
    render_plugin("twice", tmp_path, county="430111")
    with pytest.raises(ValidationError, match="already exists"):
        render_plugin("twice", tmp_path, county="430111")


def test_the_default_county_is_claimed_by_no_bundled_plugin() -> None:
    from govbiz.cli.new_plugin import new_plugin_command
    from govbiz.domain.tenancy import city_code
    from govbiz.plugin_template import PLACEHOLDER_COUNTY
    from govbiz.plugins import call_hook, make_plugin_manager

    pm = make_plugin_manager()  # every installed plugin: the bundled ones included
    for code in (PLACEHOLDER_COUNTY, city_code(PLACEHOLDER_COUNTY)):
        assert call_hook(pm, "govbiz_county_profile", county=code) == []
        assert all(not days for days in call_hook(pm, "govbiz_local_days", county=code))
    option = next(p for p in new_plugin_command.params if p.name == "county")
    assert option.default == PLACEHOLDER_COUNTY


def test_the_scaffold_beside_the_bundled_plugins_leaves_the_main_jobs_counties_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from govbiz.plugin_template import PLACEHOLDER_COUNTY
    from govbiz.plugins import explain_county_profile, make_plugin_manager, register_plugin

    root = render_plugin("scaffoldbeside", tmp_path, county=PLACEHOLDER_COUNTY)
    monkeypatch.syspath_prepend(str(root / "src"))
    scaffold = importlib.import_module("govbiz_scaffoldbeside")
    bundled = make_plugin_manager()
    beside = make_plugin_manager()
    register_plugin(beside, scaffold, name="scaffoldbeside")
    for county in ("430800", "430802"):  # the main job's city and county
        assert explain_county_profile(county, beside) == explain_county_profile(county, bundled)
    assert explain_county_profile(PLACEHOLDER_COUNTY, beside).origin("name").source == "scaffoldbeside"
