"""Masking of personal data before anything is logged, recorded or reported."""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b\d{3}-?\d{2}-?(\d{4})\b"), r"***-**-\1"),
    (re.compile(r"\b(19|20)\d{2}-\d{2}-\d{2}\b"), "****-**-**"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/(19|20)\d{2}\b"), "**/**/****"),
    (re.compile(r"\b([A-Z]{2,4})(\d{5,})(\d{3})\b"), r"\1*****\3"),
    (re.compile(r"\b\d{8,17}\b"), "[account]"),
)


def mask(text: str) -> str:
    """Mask SSNs, dates (of birth), member ids and account-like numbers in free text.

    Note: this is a last line of defence for free text; structured fields that hold personal
    data are excluded from records by construction, not by this regex.
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def mask_value(element: str, value: str) -> str:
    """The form of a data element that may be written down: sensitive ones are masked."""
    if element in {"date_of_birth", "ssn"}:
        return "****"
    if element == "member_id":
        return value[:2] + "*" * max(len(value) - 5, 0) + value[-3:]
    return value
