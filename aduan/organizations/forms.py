"""Form fields shared by every form that picks from the organizations app's data."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aduan.organizations.models import Region


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


# --- Regions --------------------------------------------------------------------------

# A Kemendagri code as the region picker sends it: "33", "33.02", "33.02.01", "33.02.01.2001".
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
# Shown when a typed name fits more regions than this, with "…" for the rest.
REGIONS_LISTED = 5


def regions_named(text: str) -> list[Region]:
    """The regions `text` names: the one with that Kemendagri code, or else those with
    that name, ignoring case (a regency or city also without its "Kabupaten" or "Kota",
    as people say "Banyumas"). At most REGIONS_LISTED + 1, nearest the top first."""
    text = " ".join(text.split())
    by_code = list(Region.objects.filter(code=text))
    if by_code:
        return by_code
    names = (
        Q(name__iexact=text) | Q(name__iexact=f"Kabupaten {text}") | Q(name__iexact=f"Kota {text}")
    )
    return list(Region.objects.filter(names).order_by("level", "code")[: REGIONS_LISTED + 1])


def _full_names(regions: list[Region]) -> list[str]:
    """Each region's name, the names above it and its code, as in "Lumbir, Kabupaten
    Banyumas, Jawa Tengah (33.02.01)"; one query for them all."""
    codes = {code for region in regions for code in region.ancestor_codes()}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        "{} ({})".format(
            ", ".join(names[c] for c in region.ancestor_codes() if c in names), region.code
        )
        for region in regions
    ]


class RegionPickerMixin:
    """The region picker: the control (a province <select>, or a text box for a code or a
    name) inside a box that portal.js turns into one select per level (province,
    regency or city, district, village) filled from `portal:regions`, sending the
    deepest code chosen. Without JavaScript the control alone is sent as it is."""

    template_name = "organizations/widgets/region_picker.html"
    control_template = ""
    typing_hint = None

    def __init__(self, *args, empty_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_label = empty_label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = value[0] if isinstance(value, list | tuple) and value else value
        chosen = str(chosen or "").strip()
        widget = context["widget"]
        widget["control_template"] = self.control_template
        widget["regions_url"] = reverse("portal:regions")
        # Only a code can be shown again in the selects; a typed name stays in the box.
        widget["selected"] = chosen if REGION_CODE.match(chosen) else ""
        widget["empty_label"] = self.empty_label or _("Choose a province")
        if self.typing_hint:
            hint_id = f"{widget['attrs'].get('id', name)}_typing"
            described = widget["attrs"].get("aria-describedby", "")
            widget["attrs"]["aria-describedby"] = f"{described} {hint_id}".strip()
            widget["typing_hint"], widget["typing_hint_id"] = self.typing_hint, hint_id
        return context


class RegionSelect(RegionPickerMixin, forms.Select):
    """The picker on a province <select>: without JavaScript, a province can be chosen."""

    control_template = forms.Select.template_name


class RegionInput(RegionPickerMixin, forms.TextInput):
    """The picker on a text box: without JavaScript, a code or a name is typed."""

    control_template = forms.TextInput.template_name
    typing_hint = _(
        "Type the Kemendagri code (e.g. 33.02.01) or the exact name "
        "(e.g. Kabupaten Banyumas, or Lumbir for a district)."
    )


class RegionField(forms.Field):
    """A region chosen in the picker, or typed as its Kemendagri code or exact name
    (see `regions_named`); cleans to the Region, or None when left empty."""

    widget = RegionInput
    default_error_messages = {
        "unknown": _(
            "No region has the code or the name “%(value)s”. Type its Kemendagri code "
            "(e.g. 33.02.01) or its exact name (e.g. Kabupaten Banyumas)."
        ),
        "ambiguous": _(
            "Several regions are named “%(value)s”: %(regions)s. Type the code of the one you mean."
        ),
    }

    def prepare_value(self, value):
        return value.code if isinstance(value, Region) else value

    def to_python(self, value) -> Region | None:
        # Longer than any region's name matches none; it is not looked up whole.
        longest = Region._meta.get_field("name").max_length
        text = " ".join(str(value or "").split())[: longest + 1]
        if not text:
            return None
        found = regions_named(text)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        listed = _full_names(found[:REGIONS_LISTED])
        if len(found) > REGIONS_LISTED:
            listed.append("…")
        raise ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={"value": text, "regions": "; ".join(listed)},
        )

    def has_changed(self, initial, data) -> bool:
        # Compared as typed, without looking the name up again.
        before = self.prepare_value(initial) or ""
        return str(before) != " ".join(str(data or "").split())
