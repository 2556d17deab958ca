"""attrs validators for the text and code fields of domain records, and the character rules.

Validators (not converters) keep the domain values exactly as given, so
Chinese text round-trips through every store intact; whitespace is stripped
at the boundary, by the pydantic commands.  Each error names the field.

The character rules (`check_characters`, `normalise_code`) are applied
at the boundary, by the commands (`govbiz.commands`): a title or a text
may not carry what breaks the places it ends up in.  A control character
(U+0000–U+001F, U+007F–U+009F) makes an xlsx export fail and a line break
in a title ends up in a mail's `Subject:` header, where it breaks every
message about that problem; a bidirectional override (U+202A–U+202E,
U+2066–U+2069) makes text read differently from what is stored (an
enterprise name that displays as another); a value of only zero-width
characters looks blank but is not.  Texts of several lines (a description,
a report, a reason) may hold line breaks and tabs.  The attrs validators of
the records do not apply these rules: a record is rebuilt through them when
it is read back, and a stricter rule there would make a record stored by an
earlier govbiz unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import attrs

from govbiz.errors import ValidationError

__all__ = [
    "check_characters",
    "check_text",
    "division_code",
    "normalise_code",
    "optional_text",
    "required_text",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

#: C0 and C1 controls, bidirectional embeddings, overrides and isolates, and lone surrogates
#: (which no store can encode); what a text of several lines may not hold.
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: The same, and line breaks and tabs too (also U+2028/U+2029, which mail headers fold on).
_NOT_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: Characters that show nothing: whitespace, zero-width spaces and joiners, marks, fillers.
_INVISIBLE = re.compile(r"[\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u3164\ufeff\uffa0]*")
#: Full-width forms of ASCII (Ａ, ０, －) and the ideographic space, as typed with a Chinese IME.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def check_characters(field: str, value: str, *, multiline: bool = False) -> str:
    """Return `value` if it holds no character that breaks where text ends up; else a ValidationError.

    Refused: NUL and other control characters (line breaks and tabs too,
    unless `multiline`), bidirectional overrides and isolates, lone
    surrogates, and a non-empty value made only of invisible characters
    (zero-width spaces and the like).  The error names the character and its
    position.
    """
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_LINE).search(value)
    if found is not None:
        char = found.group()
        kind = "a line break" if char in "\n\r\u2028\u2029" else _kind(char)
        where = "" if multiline or kind != "a line break" else " (a title or name is one line)"
        raise ValidationError(
            field, value, f"contains {kind} U+{ord(char):04X} at position {found.start() + 1}{where}"
        )
    if value and _INVISIBLE.fullmatch(value):
        raise ValidationError(field, value, "holds only invisible characters (zero-width spaces or the like)")
    return value


def _kind(char: str) -> str:
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return "a bidirectional override"
    if "\ud800" <= char <= "\udfff":
        return "a lone surrogate"
    return "a control character"


def normalise_code(value: str) -> str:
    """`value` with full-width digits and letters (０-９, Ａ-Ｚ, as a Chinese IME types them) as ASCII.

    Division codes (行政区划代码) and credit codes (统一社会信用代码) are ASCII;
    a full-width `４３０８００` would otherwise be a second, phantom county.
    """
    return value.translate(_FULL_WIDTH)


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
    """Validator: a six-digit administrative division code (行政区划代码), ASCII digits."""
    if not isinstance(value, str) or len(value) != 6 or not (value.isascii() and value.isdigit()):
        raise ValidationError(attribute.name, value, "an administrative division code has six digits 0-9")
