"""Dates that people type into forms, filters and imported files.

Aduan reckons with the years 2000–2100: the working-day calendar covers them, and a
date far outside them (0001-01-01, 9999-12-31) overflows once it becomes a moment in a
time zone. Such a date is a typing error to point out, not a value to store or filter by.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _

FIRST_YEAR = 2000
LAST_YEAR = 2100


def within_years(day: datetime.date) -> bool:
    """Whether `day` (a date or a date-time) falls in the years Aduan reckons with."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def outside_years_message() -> str:
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


# For messages declared before a language is active (field error messages).
OUTSIDE_YEARS = lazy(outside_years_message, str)()


class DateField(forms.DateField):
    """`forms.DateField` that refuses a date outside the years Aduan reckons with."""

    def validate(self, value) -> None:
        super().validate(value)
        if value and not within_years(value):
            raise forms.ValidationError(outside_years_message(), code="year")
