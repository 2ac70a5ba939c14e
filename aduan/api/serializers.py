"""What goes in and out of the API. Output never names an anonymous reporter."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aduan.lib.phones import normalize_phone
from aduan.organizations.models import Category, Organization, Region
from aduan.reports.models import Channel, Kind, Report, ReportEvent, Status

EXTERNAL_ID_MAX_LENGTH = 100
API_CHANNEL = Channel.LOCAL_SYSTEM


def channel_reference(org: Organization, external_id: str) -> str:
    # Unique per channel across every organization, so two local systems that both
    # number their reports from 1 never receive each other's reports back.
    return f"{org.pk}:{external_id}"


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

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


class ReporterInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        phone = normalize_phone(value)
        if not phone:
            raise serializers.ValidationError(
                _("Write an Indonesian phone number, e.g. 0812 3456 7890."), code="invalid"
            )
        return phone


class ReportInSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=EXTERNAL_ID_MAX_LENGTH,
        help_text="The report's id in your system; a retried POST with it returns the same report.",
    )
    title = serializers.CharField(max_length=150)
    body = serializers.CharField(max_length=20000)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.COMPLAINT)
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
    )
    incident_date = serializers.DateField(required=False, allow_null=True)
    reporter = ReporterInSerializer(required=False)
    anonymous = serializers.BooleanField(default=False)
    confidential = serializers.BooleanField(default=False)

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


class EventSerializer(serializers.ModelSerializer):
    report = serializers.CharField(source="report.tracking_code", read_only=True)
    organization = serializers.IntegerField(
        source="actor_organization_id", allow_null=True, read_only=True
    )

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
        ]


class TimelineEventSerializer(EventSerializer):
    class Meta(EventSerializer.Meta):
        fields = [f for f in EventSerializer.Meta.fields if f != "report"]


class ReporterOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class ReportOutSerializer(serializers.ModelSerializer):
    """Needs `context["organization"]` and `public_events` prefetched on each report."""

    code = serializers.CharField(source="tracking_code")
    external_id = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Status.choices)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    region = serializers.CharField(source="region_id", allow_null=True)
    anonymous = serializers.BooleanField(source="is_anonymous")
    confidential = serializers.BooleanField(source="is_confidential")
    reporter = serializers.SerializerMethodField()
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
            "reporter",
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

    @extend_schema_field(ReporterOutSerializer(allow_null=True))
    def get_reporter(self, report) -> dict | None:
        """Null for anonymous reports. Contact details only to the organization whose
        system sent the report; handlers elsewhere see the name, as in the back office."""
        if report.is_anonymous:
            return None
        name = report.reporter_label(public=False)
        if not self._received_here(report):
            return {"name": name, "email": "", "phone": ""}
        if report.reporter_id:
            return {"name": name, "email": report.reporter.email, "phone": report.reporter.phone}
        return {"name": name, "email": report.guest_email, "phone": report.guest_phone}


class ResponseInSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=20000)
