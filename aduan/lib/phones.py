"""Indonesian phone numbers in one canonical form (+62…)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

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


class PhoneField(forms.CharField):
    """A form field that accepts an Indonesian number as people write it and cleans it
    to +62…; anything that cannot be one is refused with an example."""

    default_error_messages = {
        "invalid": _("Write an Indonesian phone number, e.g. 0812 3456 7890."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        )
        super().__init__(**kwargs)

    def clean(self, value) -> str:
        raw = super().clean(value)
        if not raw:
            return ""
        phone = normalize_phone(raw)
        if not phone:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return phone
