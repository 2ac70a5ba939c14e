"""Indonesian phone numbers in one canonical form (+62…)."""

import re

DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str) -> str:
    """Return +62… for a plausible Indonesian number, or "" when it cannot be one."""
    digits = DIGITS.sub("", raw or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not digits.startswith("62") or not 10 <= len(digits) <= 15:
        return ""
    return "+" + digits
