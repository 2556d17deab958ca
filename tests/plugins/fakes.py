"""Plugins made on the fly for the plugin-manager tests."""

from __future__ import annotations

import types

import govbiz


def plugin(name: str, **hooks: object) -> types.ModuleType:
    """A plugin module named `name`, with `hooks` as its hook implementations."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, govbiz.hookimpl(function))
    return module
