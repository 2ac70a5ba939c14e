"""Form fields shared by every form that picks from the organizations app's data."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator


class _InReadingOrder(ModelChoiceIterator):
    # Sorted in Python, by the names as shown: the database orders by the Indonesian
    # name, and puts the top-level categories first or last depending on the backend.
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for category in sorted(self.queryset, key=lambda c: str(c).casefold()):
            yield self.choice(category)


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories in alphabetical order of their names in the page's language, each
    after its parent ("Infrastruktur", "Infrastruktur › Jalan Rusak", …)."""

    iterator = _InReadingOrder
