"""Forms of the citizen portal: submitting, tracking, and the reporter's actions."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from aduan.channels.intake import Draft
from aduan.lib import dates
from aduan.lib.phones import PhoneField
from aduan.notifications.outbox import sms_enabled, whatsapp_enabled
from aduan.organizations.forms import REGION_CODE, CategoryChoiceField, RegionSelect
from aduan.organizations.models import Category, Organization, Region
from aduan.reports.attachments import CleanFile
from aduan.reports.codes import normalize_tracking_code, secret_from_token, token_reference
from aduan.reports.models import PUBLIC_STATUSES, Kind, Report, Status, has_private_words
from aduan.reports.uploads import FilesMixin, MultipleFileField
from aduan.triage.hints import completeness_hints

TITLE_MIN = 10
BODY_MIN = 30
INCIDENT_MAX_AGE_YEARS = 2
# Public lists rank the newest this many matches of a search (ReportQuerySet.search).
RANK_WINDOW = 200
DRAFT_BODY_CHARS = 5000


def texts_can_be_sent() -> bool:
    """Whether a guest's phone number can receive anything here (an SMS or WhatsApp
    gateway is set up)."""
    return sms_enabled() or whatsapp_enabled()


class AccessibleErrorsMixin:
    """Link every field error to its input (aria-describedby) so screen readers read it."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = " ".join(ids)


def _looks_like_text(text: str, *, min_words: int, min_distinct_chars: int) -> bool:
    """Reject keyboard mashing such as "aaaaaaaaaa" or "tes tes tes tes tes"."""
    words = text.lower().split()
    distinct_chars = {ch for ch in text.lower() if ch.isalnum()}
    return (
        len(words) >= min_words
        and len(set(words)) >= min(min_words, 3)
        and len(distinct_chars) >= min_distinct_chars
    )


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


FILES_HELP = _("Up to 5 files: JPEG, PNG or WebP photos, or PDF documents.")


class ReportForm(FilesMixin, AccessibleErrorsMixin, forms.Form):
    """One form for a signed-in citizen and a guest; `cleaned_draft()` builds the Draft."""

    required_css_class = "required"  # the label gets its * mark
    form_token = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind of report"), choices=Kind.choices, initial=Kind.COMPLAINT
    )
    title = forms.CharField(
        label=_("Title"),
        min_length=TITLE_MIN,
        max_length=150,
        help_text=_("A short summary, e.g. “Broken street light on Jalan Merdeka”."),
    )
    body = forms.CharField(
        label=_("What happened?"),
        min_length=BODY_MIN,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Describe what, where and when. Do not write your ID number here."),
    )
    incident_date = forms.DateField(
        label=_("Date of the incident"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    region = forms.ChoiceField(label=_("Region"), required=False, widget=RegionSelect)
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=255)
    # Set by the "use my location" button (portal.js) from the phone's position.
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("I don't know"),
    )
    suggested_organization = forms.ModelChoiceField(
        label=_("Organization that should handle it"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("I don't know — let the admins decide"),
    )
    attachments = MultipleFileField(
        label=_("Photos or documents"), required=False, help_text=FILES_HELP
    )
    guest_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    guest_email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    guest_phone = PhoneField(label=_("Phone number"), required=False)
    is_anonymous = forms.BooleanField(
        label=_("Anonymous: hide my identity from the organizations"), required=False
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential: do not publish this report"), required=False
    )
    show_reporter_name = forms.BooleanField(
        label=_("Show my name on the public page"), required=False
    )

    GUEST_FIELDS = ("guest_name", "guest_email", "guest_phone")

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user if getattr(user, "is_authenticated", False) else None
        if self.user:
            for name in self.GUEST_FIELDS:
                del self.fields[name]
        elif texts_can_be_sent():
            self.fields["guest_name"].required = True
            self.fields["guest_email"].help_text = _(
                "Give an email address or a phone number so we can tell you about progress."
            )
        else:
            self.fields["guest_name"].required = True
            self.fields["guest_email"].help_text = _(
                "Give an email address so we can tell you about progress: this service "
                "sends no text messages."
            )
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related(
            "parent"
        )
        # Neither an oversight body nor the national operator (whose queue is a report
        # with no organization) is where a report is sent.
        self.fields["suggested_organization"].queryset = Organization.objects.active().receiving()
        self.fields["region"].choices = self._region_choices()
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4().hex)

    def _region_choices(self) -> list[tuple[str, str]]:
        provinces = Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", "name")
        choices = [("", _("Choose a province")), *provinces]
        chosen = (self.data.get("region") or "").strip() if self.is_bound else ""
        if chosen and chosen not in {code for code, _name in choices}:
            region = Region.objects.filter(code=chosen).first()
            if region:  # keep a deeper choice selectable when the page is shown again
                choices.append((region.code, region.full_name()))
        return choices

    def clean_form_token(self) -> str:
        token = self.cleaned_data["form_token"]
        try:
            return uuid.UUID(token).hex
        except ValueError as error:
            raise forms.ValidationError(_("This form has expired; reload the page.")) from error

    def channel_reference(self) -> str:
        """The one-time token as the report keeps it: a digest. Officers see a report's
        reference, and the token itself proves a guest's retry is the reporter's
        (`portal.views._after_submission`), so it must not be readable there."""
        return token_reference(self.cleaned_data["form_token"])

    def guest_secret(self) -> str:
        """The guest's secret-link token, derived from the one-time token (a double
        click or a lost response shows the same link again)."""
        return secret_from_token("aduan.portal.guest-secret", self.cleaned_data["form_token"])

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not _looks_like_text(title, min_words=2, min_distinct_chars=4):
            raise forms.ValidationError(_("Write a title that says what the problem is."))
        return title

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not _looks_like_text(body, min_words=5, min_distinct_chars=8):
            raise forms.ValidationError(
                _("Describe the problem in words: what happened, where and when.")
            )
        return body

    def clean_incident_date(self) -> datetime.date | None:
        day = self.cleaned_data["incident_date"]
        if day is None:
            return None
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        if day < _years_before(today, INCIDENT_MAX_AGE_YEARS):
            raise forms.ValidationError(_("We accept reports about the last two years only."))
        return day

    def clean_region(self) -> Region | None:
        code = (self.cleaned_data.get("region") or "").strip()
        if not code:
            return None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("Choose a region from the list."))
        return region

    def clean_guest_name(self) -> str:
        return " ".join(self.cleaned_data["guest_name"].split())

    def clean(self):
        cleaned = super().clean()
        self._keep_whole_position(cleaned)
        contact_given = cleaned.get("guest_email") or cleaned.get("guest_phone")
        contact_errors = self.errors.keys() & {"guest_email", "guest_phone"}
        if self.user is None and not contact_errors:
            self._require_a_reachable_contact(cleaned, contact_given)
        return cleaned

    def _require_a_reachable_contact(self, cleaned: dict, contact_given) -> None:
        if not contact_given:
            self.add_error(
                "guest_email",
                _("Give an email address or a phone number so we can reach you."),
            )
        elif not cleaned.get("guest_email") and not texts_can_be_sent():
            # A number alone would hear nothing: no SMS or WhatsApp gateway is set up.
            self.add_error(
                "guest_email",
                _(
                    "This service cannot send text messages: give an email address so "
                    "that we can send you your report's link and its progress."
                ),
            )

    def _keep_whole_position(self, cleaned: dict) -> None:
        # The position comes from the phone, not from the citizen's typing: half of one,
        # or one out of range, is dropped rather than refusing a form whose hidden
        # fields the citizen cannot correct.
        for name in ("latitude", "longitude"):
            self.errors.pop(name, None)
        if cleaned.get("latitude") is None or cleaned.get("longitude") is None:
            cleaned["latitude"] = cleaned["longitude"] = None

    def completeness_hints(self) -> list:
        """Hints on what the bound report still lacks (shown again after a failed send)."""
        if not self.is_bound:
            return []
        data = getattr(self, "cleaned_data", {})
        region = data.get("region")
        return completeness_hints(
            data.get("title") or self.data.get("title", ""),
            data.get("body") or self.data.get("body", ""),
            has_region=region is not None or data.get("latitude") is not None,
            region_level=region.level if region else None,
            address=data.get("address", ""),
            incident_date=data.get("incident_date"),
            kind=data.get("kind") or Kind.COMPLAINT,
        )

    def cleaned_draft(self) -> Draft:
        data = self.cleaned_data
        return Draft(
            title=data["title"],
            body=data["body"],
            kind=data["kind"],
            incident_date=data["incident_date"],
            region=data["region"],
            address=data["address"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            category=data["category"],
            suggested_organization=data["suggested_organization"],
            language=translation.get_language() or "id",
            is_anonymous=data["is_anonymous"],
            is_confidential=data["is_confidential"],
            show_reporter_name=data["show_reporter_name"],
            guest_name=data.get("guest_name", ""),
            guest_email=data.get("guest_email", ""),
            guest_phone=data.get("guest_phone", ""),
            attachments=data["attachments"],
        )


class DraftCheckForm(forms.Form):
    """The part of a draft the submit page sends for similar reports and hints; long
    texts are cut rather than refused, since only their start is compared."""

    title = forms.CharField(required=False)
    body = forms.CharField(required=False)
    kind = forms.ChoiceField(choices=Kind.choices, required=False)
    region = forms.CharField(required=False, max_length=13)
    address = forms.CharField(required=False)
    incident_date = dates.DateField(required=False)
    # Named as the submit form's hidden fields, which the page sends as they are.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)

    def clean_title(self) -> str:
        return self.cleaned_data["title"][:150]

    def clean_body(self) -> str:
        return self.cleaned_data["body"][:DRAFT_BODY_CHARS]

    def clean_address(self) -> str:
        return self.cleaned_data["address"][:255]

    def clean_region(self) -> Region | None:
        code = self.cleaned_data["region"].strip()
        return Region.objects.filter(code=code).first() if code else None


class TrackForm(AccessibleErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        help_text=_("The eight characters you received, e.g. K7QM-3XPA."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        """Only the format; the view decides whether this visitor may open the report."""
        code = normalize_tracking_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("A tracking code has eight letters and digits, e.g. K7QM-3XPA.")
            )
        return code


class ActionForm(AccessibleErrorsMixin, forms.Form):
    """Base of the reporter's action forms; `version` detects a report changed meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _files_field(label) -> MultipleFileField:
    return MultipleFileField(label=label, required=False, help_text=FILES_HELP)


class AnswerHoldForm(FilesMixin, ActionForm):
    message = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    attachments = _files_field(_("Photos or documents (optional)"))


class AddInfoForm(ActionForm):
    """News of the problem from its reporter, after sending the report."""

    message = forms.CharField(
        label=_("What do you want to add?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_(
            "For example that the damage got worse, or a detail the handlers need. It "
            "appears on your report's timeline, public unless your report is confidential "
            "(personal data such as phone numbers is hidden from the public)."
        ),
    )


class AddFilesForm(FilesMixin, ActionForm):
    """Photos or documents the reporter adds to the report after sending it."""

    attachments = _files_field(_("Photos or documents"))

    def clean_attachments(self) -> list[CleanFile]:
        files = super().clean_attachments()
        if not files:
            raise forms.ValidationError(_("Choose at least one file."))
        return files


def _verdict_comment(help_text) -> forms.CharField:
    return forms.CharField(
        label=_("Your comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=help_text,
    )


class VerdictForm(ActionForm):
    """Whether the problem is solved; "no" needs a word on what is still wrong."""

    satisfied = forms.ChoiceField(
        label=_("Your answer"),  # the form's heading asks the question
        choices=[("yes", _("Yes, I am satisfied")), ("no", _("No, it is not solved"))],
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("satisfied") == "no" and not cleaned.get("message", "").strip():
            self.add_error("message", _("Tell us what is still not resolved."))
        return cleaned


class ReplyForm(FilesMixin, VerdictForm):
    message = _verdict_comment(
        _("Required when you are not satisfied: tell us what is still wrong.")
    )
    attachments = _files_field(_("Photos or documents (optional)"))


class RateForm(ActionForm):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        # The number beside the stars is what a screen reader announces.
        choices=[(n, f"{'★' * n} {n}/5") for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RemoteVerdictForm(VerdictForm):
    """The reporter's verdict on what a connected system did with their forwarded
    report; no files, which the connected system would not receive."""

    message = _verdict_comment(
        _("Required when you are not satisfied: tell them what is still wrong.")
    )
    stars = forms.TypedChoiceField(
        label=_("Your rating (optional)"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=RateForm.base_fields["stars"].choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, rated: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if rated:
            del self.fields["stars"]  # the connected system takes one rating


class HandOverForm(ActionForm):
    message = forms.CharField(
        label=_("Why do you ask the oversight body to take over? (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SupportForm(forms.Form):
    """Supporting needs no input; the form only carries the CSRF token."""


# How long the list of regions with public reports (the feed's region filter) is kept.
FEED_REGIONS_TTL = 5 * 60  # seconds
REGENCY_CODE_LENGTH = len("33.74")  # a Kemendagri code cut here names the regency or city


def _areas_with_public_reports() -> list[tuple[str, str, int]]:
    """(code, name, level) of each province and regency or city where a public report
    is, one query for the codes (a report's region cut to its regency) and one for the
    names."""
    areas = set(
        Report.objects.public()
        .exclude(region=None)
        .annotate(area=Substr("region_id", 1, REGENCY_CODE_LENGTH))
        .order_by()
        .values_list("area", flat=True)
        .distinct()
    )
    codes = areas | {area[:2] for area in areas}
    return list(Region.objects.filter(code__in=codes).values_list("code", "name", "level"))


def areas_with_public_reports() -> list[tuple[str, str, int]]:
    """`_areas_with_public_reports`, at most FEED_REGIONS_TTL old: the feed would read
    every public report on each visit."""
    return cache.get_or_set("portal.feed.areas", _areas_with_public_reports, FEED_REGIONS_TTL)


class RegionFilterField(forms.ChoiceField):
    """A region's Kemendagri code. The list offers the provinces and regencies or
    cities that have public reports; any existing region's code is accepted (a link may
    name a district or a village), so checking a value never builds the list."""

    def valid_value(self, value) -> bool:
        return bool(REGION_CODE.match(value)) and Region.objects.filter(code=value).exists()


class FeedFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = CategoryChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    region = RegionFilterField(label=_("Region"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(Kind.choices)
        self.fields["status"].choices = everything + [
            (s.value, s.label) for s in Status if s in PUBLIC_STATUSES
        ]
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related(
            "parent"
        )
        self.fields["category"].empty_label = _("All")
        self.fields["organization"].queryset = Organization.objects.active().agencies()
        self.fields["organization"].empty_label = _("All")
        # Built only when the form is shown: the Atom feed, the map's GeoJSON and the
        # open data check a region without listing them.
        self.fields["region"].choices = self._region_choices

    def _region_choices(self) -> list:
        """ "All", then each province with public reports as a group: the whole province
        first, then its regencies and cities that have public reports, by name. A region
        asked for that is not in the list (a district, say) is added at the end."""
        by_province: dict[str, list[tuple[str, str]]] = defaultdict(list)
        names = {}
        for code, name, level in areas_with_public_reports():
            names[code] = name
            if level != Region.Level.PROVINCE:
                by_province[code[:2]].append((code, name))
        choices: list = [("", _("All"))]
        provinces = sorted((c for c in names if len(c) == 2), key=lambda c: names[c].casefold())
        for province in provinces:
            whole = (province, _("All of %(province)s") % {"province": names[province]})
            below = sorted(by_province[province], key=lambda choice: choice[1].casefold())
            choices.append((names[province], [whole, *below]))
        chosen = (self.data.get("region") or "").strip() if self.is_bound else ""
        if chosen and chosen not in names and REGION_CODE.match(chosen):
            region = Region.objects.filter(code=chosen).first()
            if region:
                choices.append((region.code, region.full_name()))
        return choices

    def filter_reports(self, reports: QuerySet[Report], *, ranked: bool = True) -> QuerySet[Report]:
        """Narrow public `reports` by the valid filters (invalid ones are ignored).

        A search orders by relevance (see ReportQuerySet.search), among the newest
        ADUAN_SEARCH_RANK_WINDOW matches when `ranked`; callers that need every match
        (exports) pass ranked=False and set their own order.
        """
        if not self.is_bound:
            return reports
        self.is_valid()
        filters = self.cleaned_data
        if filters.get("kind"):
            reports = reports.filter(kind=filters["kind"])
        if filters.get("category"):
            category = filters["category"]
            reports = reports.filter(Q(category=category) | Q(category__parent=category))
        if filters.get("region"):
            code = filters["region"]
            reports = reports.filter(Q(region_id=code) | Q(region__code__startswith=f"{code}."))
        if filters.get("organization"):
            reports = reports.handled_by(filters["organization"])
        if filters.get("status"):
            reports = reports.filter(status=filters["status"])
        if filters.get("q"):
            # Last: a rank window is taken from the reports as filtered so far.
            window = getattr(settings, "ADUAN_SEARCH_RANK_WINDOW", RANK_WINDOW) if ranked else None
            reports = reports.search(filters["q"], public=True, rank_window=window)
        return reports

    @property
    def ignored_private_words(self) -> bool:
        """Whether the search dropped words that could be personal data."""
        text = self.cleaned_data.get("q", "") if self.is_bound and self.is_valid() else ""
        return bool(text) and not normalize_tracking_code(text) and has_private_words(text)


class OpenDataFilterForm(FeedFilterForm):
    """The feed filters plus a period of submission dates, both ends included."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these fields are not class attributes.
        self.fields["from"] = dates.DateField(label=_("From"), required=False)
        self.fields["to"] = dates.DateField(label=_("To"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end of the period is before its start."))
        return cleaned

    def filter_reports(
        self, reports: QuerySet[Report], *, ranked: bool = False
    ) -> QuerySet[Report]:
        reports = super().filter_reports(reports, ranked=ranked)
        if self.cleaned_data.get("from"):
            reports = reports.filter(submitted_at__gte=_start_of_day(self.cleaned_data["from"]))
        if self.cleaned_data.get("to"):
            next_day = self.cleaned_data["to"] + datetime.timedelta(days=1)
            reports = reports.filter(submitted_at__lt=_start_of_day(next_day))
        return reports


def _start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the site's time zone, where people count their days."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
