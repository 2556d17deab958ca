"""attrs validators for the text and code fields of domain records.

Validators (not converters) keep the domain values exactly as given, so
Chinese text round-trips through every store intact; whitespace is stripped
at the boundary, by the pydantic commands.  Each error names the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from govbiz.errors import ValidationError

__all__ = ["check_text", "division_code", "optional_text", "required_text"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def check_text(field: str, value: object, *, max_length: int, required: bool) -> None:
    """Refuse non-text, blank (when `required`) and over-long values of `field`."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "must be text")
    if required and not value.strip():
        raise ValidationError(field, value, "must not be blank")
    if len(value) > max_length:
        raise ValidationError(field, value, f"is longer than {max_length} characters")


def required_text(max_length: int = 2000) -> Validator:
    """Validator: non-blank text of at most `max_length` characters."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check_text(attribute.name, value, max_length=max_length, required=True)

    return check


def optional_text(max_length: int = 20000) -> Validator:
    """Validator: text, possibly empty, of at most `max_length` characters."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check_text(attribute.name, value, max_length=max_length, required=False)

    return check


def division_code(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a six-digit administrative division code (行政区划代码)."""
    if not isinstance(value, str) or len(value) != 6 or not value.isdigit():
        raise ValidationError(attribute.name, value, "an administrative division code has six digits")
