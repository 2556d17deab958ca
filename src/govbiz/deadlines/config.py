"""Reading a county's deadline policy from plain data (县级时限配置)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

import attrs

from govbiz.deadlines.escalation import EscalationPolicy
from govbiz.deadlines.rules import ClockRule, Trigger, Unit
from govbiz.domain.handling import Satisfaction
from govbiz.errors import ValidationError

__all__ = ["policy_kwargs"]

_INT_KEYS = (
    "returns_per_department",
    "appeal_working_days",
    "approaching_working_days",
    "seriously_overdue_working_days",
    "max_fixed_days",
    "extension_lead_working_days",
)
#: The handling rules given as a list of texts: the closing levels (in Chinese or English), the grounds.
_LIST_KEYS = ("closing_satisfaction", "return_reasons")
_CLOCK_KEYS = ("amount", "unit", "label", "enabled", "starts_on")


def policy_kwargs(data: Mapping[str, Any], defaults: tuple[ClockRule, ...]) -> dict[str, Any]:
    """Return DeadlinePolicy keyword arguments for `data`; errors name the field."""
    if not isinstance(data, Mapping):
        raise ValidationError("policy", data, "must be a table")
    known = {"clocks", "timezone", "close_of_business", "escalation", *_LIST_KEYS, *_INT_KEYS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationError(unknown[0], data[unknown[0]], "is not a deadline policy setting")
    kwargs: dict[str, Any] = {}
    for key in _INT_KEYS:
        if key in data:
            kwargs[key] = _whole(data[key], key, minimum=0)
    for key in _LIST_KEYS:
        if key in data:
            kwargs[key] = _texts(data[key], key)
    if "closing_satisfaction" in kwargs:
        kwargs["closing_satisfaction"] = _satisfaction_levels(kwargs["closing_satisfaction"])
    if "timezone" in data:
        if not isinstance(data["timezone"], str):
            raise ValidationError("timezone", data["timezone"], "must be a name such as Asia/Shanghai")
        kwargs["timezone"] = data["timezone"]
    if "close_of_business" in data:
        kwargs["close_of_business"] = _time(data["close_of_business"])
    if "clocks" in data:
        kwargs["clocks"] = _clocks(data["clocks"], defaults)
    if "escalation" in data:  # the escalation ladder's own table (its errors name escalation.KEY)
        kwargs["escalation"] = EscalationPolicy.from_dict(data["escalation"])
    return kwargs


def _clocks(data: Any, defaults: tuple[ClockRule, ...]) -> tuple[ClockRule, ...]:
    if not isinstance(data, Mapping):
        raise ValidationError("clocks", data, "must be a table of clock name to settings")
    rules = {rule.name: rule for rule in defaults}
    for name, settings in data.items():
        field = f"clocks.{name}"
        if not isinstance(settings, Mapping):
            raise ValidationError(field, settings, "must be a table")
        unknown = sorted(set(settings) - set(_CLOCK_KEYS))
        if unknown:
            raise ValidationError(f"{field}.{unknown[0]}", settings[unknown[0]], "is not a clock setting")
        rules[name] = _clock(name, settings, rules.get(name), field)
    return tuple(rules.values())


def _clock(name: str, settings: Mapping[str, Any], base: ClockRule | None, field: str) -> ClockRule:
    if base is None:
        missing = [k for k in ("amount", "unit", "label") if k not in settings]
        if missing:
            raise ValidationError(f"{field}.{missing[0]}", None, "is required for a new clock")
        base = ClockRule(name, 1, Unit.WORKING_DAYS, name)
    changes: dict[str, Any] = {}
    if "amount" in settings:
        changes["amount"] = _whole(settings["amount"], f"{field}.amount", minimum=1)
    if "unit" in settings:
        changes["unit"] = _choice(Unit, settings["unit"], f"{field}.unit")
    if "starts_on" in settings:
        changes["starts_on"] = _choice(Trigger, settings["starts_on"], f"{field}.starts_on")
    if "label" in settings:
        label = settings["label"]
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(f"{field}.label", label, "must be a non-empty text")
        changes["label"] = label.strip()
    if "enabled" in settings:
        if not isinstance(settings["enabled"], bool):
            raise ValidationError(f"{field}.enabled", settings["enabled"], "must be true or false")
        changes["enabled"] = settings["enabled"]
    return attrs.evolve(base, **changes)


def _texts(value: Any, field: str) -> tuple[str, ...]:
    texts = isinstance(value, list | tuple) and all(isinstance(v, str) and v.strip() for v in value)
    if not value or not texts:
        raise ValidationError(field, value, "must be a non-empty list of texts")
    return tuple(v.strip() for v in value)


def _satisfaction_levels(values: tuple[str, ...]) -> frozenset[Satisfaction]:
    levels = []
    for i, value in enumerate(values):
        try:
            levels.append(Satisfaction(value))
        except ValueError:
            choices = "、".join(level.label_zh for level in Satisfaction)
            raise ValidationError(f"closing_satisfaction.{i}", value, f"must be one of {choices}") from None
    return frozenset(levels)


def _whole(value: Any, field: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(field, value, f"must be a whole number ≥ {minimum}")
    return value


def _choice(enum: type[Unit] | type[Trigger], value: Any, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ValidationError(field, value, f"must be one of {choices}") from None


def _time(value: Any) -> time | None:
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError("close_of_business", value, "must be a time such as 17:30")
