"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Every enterprise in mainland China carries an 18-character code:

====  =========================================================
pos   meaning
====  =========================================================
1     registration authority (登记管理部门代码), e.g. `9` = 工商
2     organisation type (机构类别代码), e.g. `1` = 企业
3–8   administrative division of registration (登记管理机关行政区划码)
9–17  organisation code (主体标识码, GB 11714)
18    check character (校验码)
====  =========================================================

The alphabet is the digits and the capital letters except I, O, Z, S and V
(they look like 1, 0, 2, 5 and U).  The check character makes every single
mistyped character detectable, which is why the ledger refuses a code that
fails it rather than storing a typo that later breaks a join with another
government system.
"""

from __future__ import annotations

from govbiz.domain.text import normalise_code
from govbiz.errors import ValidationError

__all__ = ["ALPHABET", "check_character", "is_valid_credit_code", "validate_credit_code"]

#: The 31 characters a code may contain, in the order that gives their values 0–30.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
#: Weight of positions 1–17: 3**i mod 31, as fixed by the standard.
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_LENGTH = 18


def check_character(body: str, *, code: str | None = None) -> str:
    """Return the check character (校验码) for the first 17 characters of a code.

    Raises `govbiz.errors.ValidationError` if `body` is not 17
    characters of the code alphabet; the error shows `code` (the whole
    code being checked) when given, else `body`.
    """
    shown = body if code is None else code
    if len(body) != _LENGTH - 1:
        raise ValidationError("credit_code", shown, "the body of a code has 17 characters")
    total = 0
    for position, (char, weight) in enumerate(zip(body, _WEIGHTS, strict=True), start=1):
        value = _VALUE.get(char)
        if value is None:
            raise ValidationError(
                "credit_code",
                shown,
                f"character {char!r} at position {position} is not allowed "
                f"(digits and capital letters except I, O, Z, S, V)",
            )
        total += value * weight
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return `code` normalised (full-width characters as ASCII, stripped, upper case) if it is valid.

    Raises `govbiz.errors.ValidationError` naming the problem: wrong
    length, a character outside the alphabet, a division code that is not six
    digits, or a check character that does not match.
    """
    normalised = normalise_code(code).strip().upper()
    if len(normalised) != _LENGTH:
        raise ValidationError(
            "credit_code", code, f"a unified social credit code has 18 characters, not {len(normalised)}"
        )
    expected = check_character(normalised[:17], code=code)
    if not normalised[2:8].isdigit():
        raise ValidationError(
            "credit_code", code, "characters 3–8 are the administrative division code and must be digits"
        )
    if normalised[17] != expected:
        raise ValidationError(
            "credit_code",
            code,
            f"check character is {normalised[17]!r} but should be {expected!r}: a character is mistyped",
        )
    return normalised


def is_valid_credit_code(code: str) -> bool:
    """True if `code` passes `validate_credit_code`."""
    try:
        validate_credit_code(code)
    except ValidationError:
        return False
    return True
