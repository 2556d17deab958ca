"""The unified social credit code validator (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govbiz.domain.credit_code import ALPHABET, check_character, is_valid_credit_code, validate_credit_code
from govbiz.errors import ValidationError

# Codes printed on real business licences (public registrations).
VALID = [
    "91350100M000100Y43",
    "91110000600037341L",
    "914403001922038216",
    "91110108551385082Q",
]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_corruption_is_refused(code: str) -> None:
    corruptions = 0
    for position in range(18):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            corrupted = code[:position] + replacement + code[position + 1 :]
            assert not is_valid_credit_code(corrupted), (position, corrupted)
            corruptions += 1
    assert corruptions == 18 * 30


def test_lower_case_and_spaces_are_normalised() -> None:
    assert validate_credit_code("  91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M0001I0Y43", "position 14"),
        ("9135A100M000100Y43", "administrative division"),
        ("91350100M000100Y44", "check character is '4' but should be '3'"),
    ],
)
def test_refusals_say_why(code: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as info:
        validate_credit_code(code)
    assert info.value.field == "credit_code"
    assert info.value.value == code


@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_a_body_with_its_check_character_is_always_valid(head: str, division: str, tail: str) -> None:
    body = head + division + tail
    assert is_valid_credit_code(body + check_character(body))
