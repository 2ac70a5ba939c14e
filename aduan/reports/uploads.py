"""Form pieces for files: one field that takes several, and the mixin that checks them.

Every form that takes files — a new report, manual entry, the reporter's answers and
replies, staff responses and notes — uses these, so a file is judged the same way
wherever it comes in (`aduan.reports.attachments`).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aduan.reports.attachments import AttachmentError, CleanFile, clean_uploads

ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploads in one field; `FilesMixin` checks them together."""

    def __init__(self, *args, **kwargs):
        attrs = {
            "accept": ACCEPT,
            # Read by portal.js, which shrinks large photos in the phone before they are
            # sent (the server would shrink them anyway, after a slow upload).
            "data-shrink-photos": "",
            "data-text-shrunk": _("Photo made smaller before sending: {before} → {after}."),
        }
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class FilesMixin:
    """For a form with an `attachments` field. The files are checked like those of a new
    report (by their content; photos re-encoded without their location). Browsers never
    fill a file field again, so after an error its help text says to choose them again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and self.files:
            self.fields["attachments"].help_text = _(
                "For your safety files are not kept when the form has errors: "
                "choose them again before sending."
            )

    def clean_attachments(self) -> list[CleanFile]:
        try:
            return clean_uploads(self.cleaned_data.get("attachments") or [])
        except AttachmentError as exc:
            raise forms.ValidationError(str(exc)) from exc
