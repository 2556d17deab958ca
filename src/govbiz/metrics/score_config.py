"""A county's assessment rules (考核办法) as written in its configuration file: the `[score]` table.

`score_policy_from_dict` reads the table into a `ScorePolicy`, over govbiz's
defaults: what the table leaves out keeps its default.  Every mistake is a
`govbiz.errors.ValidationError` naming the key (`indicators.satisfaction.weight`),
which the county file reader turns into a file/line/key error.

```toml
[score]
min_assigned = 5          # 红黑榜: ranked with at least five problems in the month
board_size = 3
refused_return_points = 0 # per refused return, on top of 退单率
lasting_rule_points = 2
lasting_rule_cap = 6

[score.indicators.satisfaction]
weight = 40               # the weights of the indicators in force must add up to 100

[score.indicators.completed_on_time]
weight = 15

[score.indicators.redo]
weight = 0                # 0 leaves the indicator out of the score
```

An indicator is named by its code (`signed_on_time`, `refused_return`,
`feedback_on_time`, `completed_on_time`, `satisfaction`, `redo`); an unknown
one is refused with the list of names.  Its `label` (the Chinese name printed)
may be changed too.

    >>> score_policy_from_dict({"min_assigned": 5}).min_assigned
    5
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from govbiz.errors import ValidationError
from govbiz.metrics.score import DEFAULT_INDICATORS, Indicator, ScorePolicy

__all__ = ["INDICATOR_NAMES", "score_policy_from_dict"]

#: The indicators a county file may weigh, by code name.
INDICATOR_NAMES: tuple[str, ...] = tuple(i.name for i in DEFAULT_INDICATORS)

_WHOLE = ("min_assigned", "board_size")
_POINTS = ("refused_return_points", "lasting_rule_points", "lasting_rule_cap")
_INDICATOR_KEYS = ("weight", "label")


def score_policy_from_dict(data: Mapping[str, Any], base: ScorePolicy | None = None) -> ScorePolicy:
    """The `ScorePolicy` a `[score]` table gives, over `base` (govbiz's defaults)."""
    policy = base or ScorePolicy()
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in _WHOLE:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValidationError(key, value, "must be a whole number of at least 1")
            changes[key] = value
        elif key in _POINTS:
            changes[key] = _points(key, value)
        elif key != "indicators":
            known = ", ".join((*_WHOLE, *_POINTS, "indicators"))
            raise ValidationError(key, value, f"is not a setting of [score]; choose one of {known}")
    if "indicators" in data:
        changes["indicators"] = _indicators(data["indicators"], policy.indicators)
    return attrs.evolve(policy, **changes)


def _points(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(key, value, "must be a number of points, 0 or more")
    return float(value)


def _indicators(table: Any, base: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    if not isinstance(table, Mapping):
        raise ValidationError("indicators", table, "must be a table of indicators by name")
    by_name = {i.name: i for i in DEFAULT_INDICATORS} | {i.name: i for i in base}
    weighed = dict.fromkeys(i.name for i in base)
    found = {i.name: i for i in base}
    for name, settings in table.items():
        if name not in by_name:
            raise ValidationError(
                f"indicators.{name}", name, f"is not an indicator; choose one of {', '.join(by_name)}"
            )
        if not isinstance(settings, Mapping):
            raise ValidationError(f"indicators.{name}", settings, "must be a table (weight = …)")
        indicator = by_name[name]
        for key, value in settings.items():
            field = f"indicators.{name}.{key}"
            if key == "weight":
                indicator = attrs.evolve(indicator, weight=_points(field, value))
            elif key == "label" and isinstance(value, str) and value.strip():
                indicator = attrs.evolve(indicator, label_zh=value.strip())
            else:
                known = ", ".join(_INDICATOR_KEYS)
                reason = "must be a name" if key == "label" else f"is not a setting; use {known}"
                raise ValidationError(field, value, reason)
        found[name] = indicator
        weighed.setdefault(name)
    # In the order of the defaults; a weight of 0 leaves the indicator out.
    kept = tuple(found[name] for name in by_name if name in weighed and found[name].weight > 0)
    total = sum(i.weight for i in kept)
    if abs(total - 100) > 1e-9:
        weights = ", ".join(f"{i.name} {i.weight:g}" for i in kept)
        raise ValidationError("indicators", round(total, 6), f"the weights must add up to 100 ({weights})")
    return kept
