"""What goes in and out of the API. Output never names an anonymous reporter."""

from __future__ import annotations

import copy
import re

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aduan.lib import dates
from aduan.lib.phones import normalize_phone
from aduan.organizations.models import Category, Organization, Region
from aduan.reports.lifecycle import ReceivedVia, recorded_for_reporter
from aduan.reports.models import Attachment, Channel, Kind, Report, ReportEvent, Status
from aduan.triage.hints import urgency_reasons

EXTERNAL_ID_MAX_LENGTH = 100
API_CHANNEL = Channel.LOCAL_SYSTEM


def channel_reference(org: Organization, external_id: str) -> str:
    # Unique per channel across every organization, so two local systems that both
    # number their reports from 1 never receive each other's reports back.
    return f"{org.pk}:{external_id}"


# DRF's input fields convert what they can: numbers into text, 0 and "off" into false,
# "5" into 5. The OpenAPI document promises JSON types, so input fields take only those.


class StringsOnly:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextField(StringsOnly, serializers.CharField):
    pass


class EmailField(StringsOnly, serializers.EmailField):
    pass


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class SlugField(serializers.SlugRelatedField):
    """A related object by its slug or code: a non-empty string, or null where allowed."""

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null for related fields.
        if data == "":
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


COORDINATE_PATTERN = r"^-?\d{1,3}(\.\d{1,6})?$"


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "pattern": COORDINATE_PATTERN}, {"type": "number"}],
        "nullable": True,
        "description": "Degrees with at most 6 decimals, as a string or a number.",
    }
)
class CoordinateField(serializers.DecimalField):
    def validate_empty_values(self, data):
        # DRF reads "" as null here; the document says a string is a number in text.
        if isinstance(data, str) and not re.fullmatch(COORDINATE_PATTERN, data):
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


def fresh_copies(fields: dict) -> dict:
    """New instances of `fields` for one serializer instance. DRF deep-copies declared
    fields for each instance, arguments included; a field's arguments (choices, querysets,
    validators, defaults) are never changed after it is made, so a plain field is copied
    shallowly (binding then sets its own name and parent), a nested serializer builds its
    own fields the same way, and a list serializer gets its own child. Copying was a
    tenth of a POST's time."""
    return {name: _fresh_copy(field) for name, field in fields.items()}


def _fresh_copy(field):
    fresh = copy.copy(field)
    if isinstance(field, serializers.BaseSerializer):
        fresh.__dict__.pop("fields", None)  # a cached_property: built anew on first use
        if isinstance(field, serializers.ListSerializer):
            fresh.child = _fresh_copy(field.child)
            fresh.child.bind(field_name="", parent=fresh)
    return fresh


class CheapCopies:
    """A serializer whose fields are copied with `fresh_copies`; a ModelSerializer's
    are also worked out from the model once per class rather than on every instance."""

    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return fresh_copies(built)


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "name_en", "parent"]


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "short_name", "slug", "kind", "parent"]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class ReporterInSerializer(CheapCopies, serializers.Serializer):
    name = TextField(max_length=150, required=False, allow_blank=True, default="")
    email = EmailField(required=False, allow_blank=True, default="")
    phone = TextField(max_length=30, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        phone = normalize_phone(value)
        if not phone:
            raise serializers.ValidationError(
                _("Write an Indonesian phone number, e.g. 0812 3456 7890."), code="invalid"
            )
        return phone


class ReportInSerializer(CheapCopies, serializers.Serializer):
    external_id = TextField(
        max_length=EXTERNAL_ID_MAX_LENGTH,
        help_text="The report's id in your system; a retried POST with it returns the same report.",
    )
    title = TextField(max_length=150)
    body = TextField(max_length=20000)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.COMPLAINT)
    category = SlugField(
        slug_field="slug",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    region = SlugField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    address = TextField(max_length=255, required=False, allow_blank=True, default="")
    latitude = CoordinateField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = CoordinateField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
    )
    incident_date = serializers.DateField(required=False, allow_null=True)
    reporter = ReporterInSerializer(required=False)
    anonymous = StrictBooleanField(default=False)
    confidential = StrictBooleanField(default=False)

    def validate_incident_date(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(
                _("The date of the incident cannot be in the future."), code="future"
            )
        return value

    def validate(self, attrs):
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            field = "longitude" if attrs.get("longitude") is None else "latitude"
            raise serializers.ValidationError(
                {field: _("Give both latitude and longitude, or neither.")}, code="required"
            )
        return attrs


class EventFileSerializer(serializers.Serializer):
    """A photo or document that came with a timeline entry (the schema of `attachments`)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    public = serializers.BooleanField(
        help_text="False when an officer took it off the public pages (it may show someone)."
    )
    url = serializers.URLField(help_text="Download it with the same API key.")


class VerdictSerializer(serializers.Serializer):
    """The reporter's verdict on a connected system's completion (the schema of an
    entry's `verdict`)."""

    satisfied = serializers.BooleanField(
        help_text="Whether the reporter said the problem is solved there."
    )
    stars = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        max_value=5,
        help_text="The 1–5 stars the reporter gave that system with it; null without.",
    )
    uplink = serializers.CharField(
        help_text="The connected system judged: its short name here (docs/webhooks.md)."
    )
    uplink_name = serializers.CharField(help_text="Its name, as the reporter's page shows it.")
    received_via = serializers.ChoiceField(
        choices=ReceivedVia.choices,
        allow_null=True,
        help_text="How the verdict reached the officer who recorded it for the reporter "
        "(by phone, in person, by letter…); null when the reporter gave it themselves.",
    )


class EventSerializer(CheapCopies, serializers.ModelSerializer):
    # Internal entries' texts and files stay inside (the changes feed lists them).
    internal_blanked = False
    report = serializers.CharField(source="report.tracking_code", read_only=True)
    organization = serializers.IntegerField(
        source="actor_organization_id", allow_null=True, read_only=True
    )
    attachments = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = ReportEvent
        fields = [
            "id",
            "report",
            "action",
            "at",
            "message",
            "from_status",
            "to_status",
            "organization",
            "by_reporter",
            "attachments",
            "verdict",
        ]

    @extend_schema_field(EventFileSerializer(many=True))
    def get_attachments(self, event) -> list[dict]:
        if not event.is_public and self.internal_blanked:
            return []
        return self._files(event)

    @extend_schema_field(VerdictSerializer(allow_null=True))
    def get_verdict(self, event) -> dict | None:
        """What a `remote_verdict` entry says (null on every other entry). Only what the
        reporter chose from (the verdict, the stars), never their words, which stay in
        `message` as any of theirs."""
        if event.action != "remote_verdict" or (not event.is_public and self.internal_blanked):
            return None
        data = event.data or {}
        slug = data.get("uplink", "")
        return {
            "satisfied": bool(data.get("satisfied")),
            "stars": data.get("stars"),
            "uplink": slug,
            "uplink_name": self._uplink_names().get(slug, slug),
            "received_via": data.get("received_via") if recorded_for_reporter(event) else None,
        }

    def _uplink_names(self) -> dict[str, str]:
        """slug → name of the connected systems, looked up once per answer (a page of
        reports with many verdicts costs one query), and only when a verdict is shown."""
        from aduan.webhooks.models import Uplink

        names = self.context.get("_uplink_names")
        if names is None:
            names = self.context["_uplink_names"] = dict(Uplink.objects.values_list("slug", "name"))
        return names

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not instance.is_public and self.internal_blanked:
            data["message"] = ""
        return data

    def _files(self, event) -> list[dict]:
        """The entry's files (prefetch `attachments` when serializing many events)."""
        from django.urls import reverse

        from aduan.notifications.outbox import absolute

        code = event.report.tracking_code
        return [
            {
                "id": item.pk,
                "name": item.name_for_staff(event.report),
                "content_type": item.content_type,
                "size": item.size,
                "public": item.is_public,
                "url": absolute(reverse("api:attachment", kwargs={"code": code, "pk": item.pk})),
            }
            for item in _entry_files(event)
        ]


def _entry_files(event) -> list:
    """An entry's files. Files the reporter added later join the submission (they are
    the submission's files, counted against its limit), so their `add_files` entry
    names them by id: it lists those, so that a receiver sees which ones arrived."""
    added = (event.data or {}).get("attachments") if event.action == "add_files" else None
    if added:
        return list(Attachment.objects.filter(report=event.report_id, pk__in=added).order_by("id"))
    return list(event.attachments.all())


class ChangeSerializer(EventSerializer):
    """An entry of the changes feed: public entries as they are, internal ones (a change
    of status the public does not see, such as "not our remit") without text or files."""

    internal_blanked = True


class TimelineEventSerializer(EventSerializer):
    class Meta(EventSerializer.Meta):
        fields = [f for f in EventSerializer.Meta.fields if f != "report"]


class ReporterOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    phone_verified = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the number is proven the reporter's and still in use: an "
        "account's by a code sent to it, a guest's by a message from it or its link "
        "followed; false once unused for months (it may have a new holder). Null for a "
        "number only typed, or none.",
    )


class UrgencySerializer(serializers.Serializer):
    flag = serializers.CharField(help_text="flood, fire, fallen_tree, collapsed_bridge, …")
    words = serializers.CharField(
        help_text="The words of the title or body that raised it; empty when the reporter's "
        "answer to a question did."
    )


class ReportOutSerializer(CheapCopies, serializers.ModelSerializer):
    """Needs `context["organization"]` and `public_events` prefetched on each report."""

    code = serializers.CharField(source="tracking_code")
    external_id = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Status.choices)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    region = serializers.CharField(source="region_id", allow_null=True)
    anonymous = serializers.BooleanField(source="is_anonymous")
    confidential = serializers.BooleanField(source="is_confidential")
    reporter = serializers.SerializerMethodField()
    urgent = serializers.BooleanField(source="is_urgent")
    urgency = serializers.SerializerMethodField()
    urgency_set_by_officer = serializers.BooleanField(source="urgency_set_by_hand")
    timeline = TimelineEventSerializer(source="public_events", many=True)

    class Meta:
        model = Report
        fields = [
            "code",
            "external_id",
            "title",
            "body",
            "kind",
            "status",
            "category",
            "region",
            "address",
            "latitude",
            "longitude",
            "incident_date",
            "channel",
            "anonymous",
            "confidential",
            "organization",
            "submitted_at",
            "updated_at",
            "rating",
            "reporter",
            "urgent",
            "urgency",
            "urgency_set_by_officer",
            "timeline",
        ]
        read_only_fields = fields

    def get_external_id(self, report) -> str | None:
        prefix = channel_reference(self.context["organization"], "")
        if report.channel == API_CHANNEL and report.channel_reference.startswith(prefix):
            return report.channel_reference.removeprefix(prefix)
        return None

    def _received_here(self, report) -> bool:
        return self.get_external_id(report) is not None

    @extend_schema_field(UrgencySerializer(many=True))
    def get_urgency(self, report) -> list[dict]:
        """The urgency flags, each with the words that raised it (the abusive-language
        flag never leaves the back office)."""
        if not report.urgency_flags:
            return []
        words = urgency_reasons(report)
        return [{"flag": flag, "words": words.get(flag, "")} for flag in report.urgency_flags]

    @extend_schema_field(ReporterOutSerializer(allow_null=True))
    def get_reporter(self, report) -> dict | None:
        """Null for anonymous reports. Contact details only to the organization whose
        system sent the report; handlers elsewhere see the name, as in the back office."""
        if report.is_anonymous:
            return None
        name = report.reporter_label(public=False)
        if not self._received_here(report):
            return {"name": name, "email": "", "phone": "", "phone_verified": None}
        if report.reporter_id and report.reporter.is_erased:
            return {"name": name, "email": "", "phone": "", "phone_verified": None}
        if report.reporter_id:
            user = report.reporter
            verified = user.holds_verified_phone if user.phone else None
            return {
                "name": name,
                "email": user.email,
                "phone": user.phone,
                "phone_verified": verified,
            }
        return {
            "name": name,
            "email": report.guest_email,
            "phone": report.guest_phone,
            "phone_verified": report.guest_phone_verified,
        }


class AttachmentInSerializer(serializers.Serializer):
    file = serializers.FileField(
        max_length=200,
        help_text="A photo (JPEG, PNG, WebP) or a PDF, as one part of multipart/form-data. "
        "The type is read from the content, which must match the file name's extension; "
        "photos are re-encoded without their metadata (EXIF position and the like).",
    )


class AttachmentOutSerializer(serializers.ModelSerializer):
    report = serializers.CharField(source="report.tracking_code", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "report", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields

    def get_name(self, item: Attachment) -> str:
        return item.name_for_staff(item.report)


class HandlerFilesField(serializers.ListField):
    """Photos or documents sent with a response or completion (multipart only)."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.FileField(max_length=200),
            required=False,
            help_text="With multipart/form-data: photos (JPEG, PNG, WebP) or PDFs, one part "
            "named `file` each, at most ADUAN_MAX_ATTACHMENTS (5). They are checked and "
            "re-encoded like the reporter's, and are public with the response.",
            **kwargs,
        )


class ResponseInSerializer(serializers.Serializer):
    message = TextField(max_length=20000)
    file = HandlerFilesField()


class CompletionInSerializer(serializers.Serializer):
    message = TextField(max_length=20000, help_text="The final response the reporter receives.")
    file = HandlerFilesField()


class ReplyAction(models.TextChoices):
    """What the reporter said, named like the timeline actions it leads to."""

    ANSWER_HOLD = "answer_hold"
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    RATE = "rate"
    ADD_INFO = "add_info"


class ReplyInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ReplyAction.choices)
    message = TextField(
        max_length=20000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The answer (answer_hold), what is still not resolved (not_satisfied), "
        "news of the problem (add_info) — required for these three — or a comment "
        "(satisfied, rate).",
    )
    stars = StrictIntegerField(
        min_value=1, max_value=5, required=False, help_text="1 to 5; only with action rate."
    )

    def validate(self, attrs):
        action = attrs["action"]
        wants_words = action in (
            ReplyAction.ANSWER_HOLD,
            ReplyAction.NOT_SATISFIED,
            ReplyAction.ADD_INFO,
        )
        if wants_words and not attrs["message"].strip():
            raise serializers.ValidationError(
                {"message": _("Write the reporter's words.")}, code="required"
            )
        if action == ReplyAction.RATE and "stars" not in attrs:
            raise serializers.ValidationError(
                {"stars": _("Give a rating from 1 to 5.")}, code="required"
            )
        if action != ReplyAction.RATE and "stars" in attrs:
            raise serializers.ValidationError(
                {"stars": _("Stars go only with the action “rate”.")}, code="invalid"
            )
        return attrs


class PrivacyInSerializer(serializers.Serializer):
    anonymous = StrictBooleanField(
        default=False,
        help_text="true: hide the reporter from the handlers and the public; false: leave "
        "as it is.",
    )
    confidential = StrictBooleanField(
        default=False,
        help_text="true: take the report off every public page; false: leave as it is.",
    )

    def validate(self, attrs):
        if not (attrs["anonymous"] or attrs["confidential"]):
            raise serializers.ValidationError(
                {"anonymous": _("Choose a privacy flag to turn on.")}, code="required"
            )
        return attrs


class IdentitySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ErasureInSerializer(serializers.Serializer):
    identities = IdentitySerializer(
        many=True,
        required=False,
        default=list,
        max_length=10,
        help_text="The names and contacts your system knew the reporter by (former names "
        "too), each masked wherever the report's words write it; not kept.",
    )


class PrivacyOutSerializer(serializers.Serializer):
    anonymous = serializers.BooleanField(source="is_anonymous")
    confidential = serializers.BooleanField(source="is_confidential")


class YearsDateTimeField(serializers.DateTimeField):
    """A date-time within the years Aduan reckons with (`aduan.lib.dates`): one far
    outside would overflow once put in a time zone."""

    default_error_messages = {"overflow": dates.OUTSIDE_YEARS}

    def enforce_timezone(self, value):
        if not dates.within_years(value):
            self.fail("overflow")
        return super().enforce_timezone(value)


class ReportFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="Only reports in this status."
    )
    updated_since = YearsDateTimeField(
        required=False,
        help_text="Only reports changed at or after this ISO 8601 time (with its offset; "
        "without one, Asia/Jakarta time).",
    )
    external_id = serializers.CharField(
        max_length=EXTERNAL_ID_MAX_LENGTH,
        required=False,
        help_text="Only the report your organization submitted with this id.",
    )
    urgent = serializers.BooleanField(
        required=False, help_text="true: only urgent reports; false: only the others."
    )
