"""Fixtures of the plugin-manager tests."""

from __future__ import annotations

import pluggy
import pytest

from govbiz.plugins import make_plugin_manager


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A plugin manager with only the built-in plugins (no entry points loaded)."""
    return make_plugin_manager(load_entry_points=False)
