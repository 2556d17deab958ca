"""Hypothesis profiles for the deadline tests: "ci" (deterministic) and "dev" (quick).

Registered only if nobody registered them first (a project-wide conftest may),
and loaded from HYPOTHESIS_PROFILE only when that profile exists.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

_PROFILES = {
    "ci": {"max_examples": 200, "deadline": None, "derandomize": True,
           "suppress_health_check": [HealthCheck.too_slow]},
    "dev": {"max_examples": 50, "deadline": None},
}

for _name, _options in _PROFILES.items():
    try:
        settings.get_profile(_name)
    except InvalidArgument:
        settings.register_profile(_name, **_options)  # type: ignore[arg-type]

_wanted = os.environ.get("HYPOTHESIS_PROFILE")
if _wanted:
    try:
        settings.get_profile(_wanted)
    except InvalidArgument:
        pass
    else:
        settings.load_profile(_wanted)
