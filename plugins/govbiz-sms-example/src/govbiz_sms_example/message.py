"""The text of an SMS: phone numbers, the signature, segments."""

from __future__ import annotations

import re

__all__ = ["normalize_phone", "segments", "sms_text"]

# A text with any character outside ASCII is sent as UCS-2: 70 characters fit
# in one SMS, 67 in each part of a longer one (the rest carries the part header).
UCS2_SINGLE, UCS2_PART = 70, 67
# Plain ASCII goes as GSM 7-bit: 160 and 153.
GSM_SINGLE, GSM_PART = 160, 153

_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_phone(number: str) -> str | None:
    """`+86` and the 11 digits of a mainland mobile number, or `None` if it is not one."""
    digits = re.sub(r"[\s-]", "", number).removeprefix("+86").removeprefix("0086")
    return f"+86{digits}" if _MAINLAND_MOBILE.fullmatch(digits) else None


def segments(text: str) -> int:
    """How many SMS the carrier bills for `text`."""
    single, part = (GSM_SINGLE, GSM_PART) if text.isascii() else (UCS2_SINGLE, UCS2_PART)
    if len(text) <= single:
        return 1
    return -(-len(text) // part)  # ceiling division


def sms_text(signature: str, subject: str, body: str, *, max_segments: int) -> str:
    """`【签名】subject：body`, cut with `…` to fit in `max_segments` SMS.

    The full-width `【】` and `：` make every such text UCS-2: 70 characters
    for one SMS, 67 for each part of a longer one.
    """
    text = f"{signature}{subject}：{body}".replace("\n", " ")
    if segments(text) <= max_segments:
        return text
    room = UCS2_SINGLE if max_segments == 1 else UCS2_PART * max_segments
    return text[: room - 1] + "…"
