"""The REST API for local complaint systems: reference data, reports, responses, changes.

Each view names the key scope it needs per method (`scopes`); reports are loaded only
through `reports_visible_to_organization` and changed only through the intake and the
lifecycle.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from aduan.accounts import erasure
from aduan.api.access import (
    left_subtree,
    relayed_reporter,
    reports_received_by,
    reports_sent_by,
    reports_visible_to_organization,
    service_actor,
)
from aduan.api.errors import Conflict, ErrorsSerializer, TooLarge
from aduan.api.idempotency import MAX_KEY_LENGTH, idempotent
from aduan.api.models import Scope
from aduan.api.negotiation import AnyAccept
from aduan.api.pagination import ChangesPagination
from aduan.api.parsers import JSONParser
from aduan.api.serializers import (
    API_CHANNEL,
    AttachmentInSerializer,
    AttachmentOutSerializer,
    CategorySerializer,
    ChangeSerializer,
    CompletionInSerializer,
    ErasureInSerializer,
    EventSerializer,
    OrganizationSerializer,
    PrivacyInSerializer,
    PrivacyOutSerializer,
    RegionSerializer,
    ReplyAction,
    ReplyInSerializer,
    ReportFilterSerializer,
    ReportInSerializer,
    ReportOutSerializer,
    ResponseInSerializer,
    channel_reference,
)
from aduan.channels.intake import Draft, add_to_submission, submit_report
from aduan.organizations.models import Category, Organization, Region
from aduan.reports import lifecycle
from aduan.reports.access_log import record_access, record_accesses
from aduan.reports.attachments import AttachmentError, clean_upload, clean_uploads
from aduan.reports.codes import normalize_tracking_code
from aduan.reports.models import Attachment, Report, ReportAccess, ReportEvent, Status
from aduan.webhooks import forwarding

ERROR_TEXTS = {
    400: "The request is invalid; each error names its field.",
    401: "No API key, or an unknown, revoked or expired one.",
    403: "The API key lacks the scope this endpoint needs.",
    404: "No such report among those the key's organization may see.",
    409: "The Idempotency-Key was used with a different request, or the report's state "
    "does not allow the action.",
    415: "The body is not JSON (Content-Type application/json), or for a file not "
    "multipart/form-data.",
    413: "The upload is larger than one attachment may be.",
    429: "Too many requests with this key; wait for Retry-After seconds.",
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key with the same body returns the first "
    "answer; with a different body, 409. An empty key counts as none.",
)
REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    bool,
    OpenApiParameter.HEADER,
    response=True,
    description="`true` on the stored answer of an earlier request with the same "
    "Idempotency-Key (nothing was done again).",
)
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the key may call again.",
)
WRITE_HEADERS = [IDEMPOTENCY_HEADER, REPLAYED_HEADER, RETRY_AFTER_HEADER]
CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The opaque cursor from a `next` link."),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1},
        description="Rows per page, from 1 (default 50); more than 200 gives 200.",
    ),
]


API_READ = ReportAccess.Via.API


def errors(*codes: int) -> dict:
    return {
        code: OpenApiResponse(ErrorsSerializer, description=ERROR_TEXTS[code]) for code in codes
    }


class OrganizationApiView(generics.GenericAPIView):
    scopes: dict[str, str] = {}

    @property
    def organization(self) -> Organization:
        return self.request.auth.organization

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "organization": self.organization}

    def visible_reports(self):
        return reports_visible_to_organization(self.organization)


def with_files(events):
    """Timeline events with their files, for `EventSerializer`: one query for all."""
    return events.prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )


def for_output(reports):
    """One query for the reports, one for all their public timelines, one for the files."""
    public_events = with_files(ReportEvent.objects.filter(is_public=True).order_by("at", "id"))
    return reports.select_related("category", "reporter").prefetch_related(
        Prefetch("events", queryset=public_events, to_attr="public_events")
    )


# --- Reference data ------------------------------------------------------------------


def list_schema(serializer, tag: str, *extra) -> extend_schema_view:
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            parameters=[*CURSOR_PARAMETERS, *extra],
            responses={200: serializer(many=True), **errors(400, 401, 403, 429)},
        )
    )


@list_schema(CategorySerializer, "reference")
class CategoryList(OrganizationApiView, generics.ListAPIView):
    """Active report categories; `parent` is the slug of the parent category."""

    scopes = {"GET": Scope.META_READ}
    serializer_class = CategorySerializer
    ordering = "id"

    def get_queryset(self):
        return Category.objects.filter(is_active=True).select_related("parent")


@list_schema(OrganizationSerializer, "reference")
class OrganizationList(OrganizationApiView, generics.ListAPIView):
    """The active organization tree; `parent` is the id of the parent organization."""

    scopes = {"GET": Scope.META_READ}
    serializer_class = OrganizationSerializer
    ordering = "path"

    def get_queryset(self):
        return Organization.objects.active()


@list_schema(
    RegionSerializer,
    "reference",
    OpenApiParameter("parent", str, description="Kemendagri code of the parent region."),
)
class RegionList(OrganizationApiView, generics.ListAPIView):
    """Kemendagri regions below `parent` (provinces when no parent is given)."""

    scopes = {"GET": Scope.META_READ}
    serializer_class = RegionSerializer
    ordering = "code"

    def get_queryset(self):
        parent = self.request.query_params.get("parent", "").strip()
        if not parent:
            return Region.objects.filter(parent__isnull=True)
        # PostgreSQL refuses text with NUL; no region code has one anyway.
        if "\x00" in parent or not Region.objects.filter(code=parent).exists():
            raise ValidationError({"parent": _("Unknown region code.")}, code="invalid")
        return Region.objects.filter(parent_id=parent)


# --- Reports -------------------------------------------------------------------------


class ReportListCreate(OrganizationApiView):
    scopes = {"GET": Scope.REPORTS_READ, "POST": Scope.REPORTS_WRITE}
    serializer_class = ReportOutSerializer
    ordering = "-id"

    def get_queryset(self):
        return for_output(self.visible_reports())

    def filter_queryset(self, reports):
        # A plain dict, not the QueryDict: DRF would read `?status=` as no filter at all.
        incoming = ReportFilterSerializer(data=self.request.query_params.dict())
        incoming.is_valid(raise_exception=True)
        wanted = incoming.validated_data
        if "status" in wanted:
            reports = reports.filter(status=wanted["status"])
        if "updated_since" in wanted:
            reports = reports.filter(updated_at__gte=wanted["updated_since"])
        if "urgent" in wanted:
            reports = reports.filter(is_urgent=wanted["urgent"])
        if "external_id" in wanted:
            reference = channel_reference(self.organization, wanted["external_id"])
            reports = reports.filter(channel=API_CHANNEL, channel_reference=reference)
        return reports

    @extend_schema(
        tags=["reports"],
        parameters=[*CURSOR_PARAMETERS, ReportFilterSerializer],
        responses={200: ReportOutSerializer(many=True), **errors(400, 401, 403, 429)},
    )
    def get(self, request):
        """Reports the key's organization may see, newest first, optionally filtered."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_accesses([report.pk for report in page], via=API_READ, api_key=request.auth)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["reports"],
        request=ReportInSerializer,
        parameters=WRITE_HEADERS,
        responses={
            200: OpenApiResponse(
                ReportOutSerializer,
                description="Already received: the same external_id was sent before.",
            ),
            201: OpenApiResponse(ReportOutSerializer, description="Created."),
            **errors(400, 401, 403, 409, 415, 429),
        },
    )
    @idempotent
    def post(self, request):
        """Submit a report received by the key's organization."""
        incoming = ReportInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        reporter = data.get("reporter") or {}
        draft = Draft(
            title=data["title"],
            body=data["body"],
            kind=data["kind"],
            incident_date=data.get("incident_date"),
            region=data.get("region"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data["address"],
            category=data.get("category"),
            is_anonymous=data["anonymous"],
            is_confidential=data["confidential"],
            guest_name=reporter.get("name", ""),
            guest_email=reporter.get("email", ""),
            guest_phone=reporter.get("phone", ""),
        )
        submission = submit_report(
            draft,
            channel=API_CHANNEL,
            channel_reference=channel_reference(self.organization, data["external_id"]),
            received_by=self.organization,
        )
        if submission.created:
            # Answer from what was just written: its one public event is the submission.
            report = submission.report
            report.public_events = [submission.event]
        else:
            report = for_output(Report.objects.filter(pk=submission.report.pk)).get()
        code = status.HTTP_201_CREATED if submission.created else status.HTTP_200_OK
        return Response(self.get_serializer(report).data, status=code)


class ReportDetail(OrganizationApiView):
    scopes = {"GET": Scope.REPORTS_READ}
    serializer_class = ReportOutSerializer

    @extend_schema(
        tags=["reports"], responses={200: ReportOutSerializer, **errors(401, 403, 404, 429)}
    )
    def get(self, request, code: str):
        """One report with its public timeline."""
        report = _find(for_output(self.visible_reports()), code)
        record_access(report, via=API_READ, api_key=request.auth)
        return Response(self.get_serializer(report).data)


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="target.pk")
    slug = serializers.CharField(source="target.slug")
    name = serializers.CharField(source="target.name")
    confidence = serializers.FloatField(allow_null=True, help_text="Null for a routing rule.")
    source = serializers.ChoiceField(choices=["model", "routing_rule"])


class SuggestionsSerializer(serializers.Serializer):
    organizations = SuggestionSerializer(many=True)
    categories = SuggestionSerializer(many=True)


class ReportSuggestions(OrganizationApiView):
    scopes = {"GET": Scope.REPORTS_READ}
    serializer_class = SuggestionsSerializer

    @extend_schema(
        tags=["reports"], responses={200: SuggestionsSerializer, **errors(401, 403, 404, 429)}
    )
    def get(self, request, code: str):
        """Triage suggestions: the likeliest organizations of the key's subtree to dispatch
        the report to, and its likeliest categories, best first with their confidence."""
        from aduan.triage.suggest import suggest_categories, suggest_for_targets

        report = _find(self.visible_reports(), code)
        # The national organization's key routes as its admins do: to agencies, across
        # the country; any other key among its own subtree.
        operator = Organization.objects.national().values("pk")
        national = operator.filter(pk=self.organization.pk).exists()
        # Neither an oversight body nor the operator itself is a report's destination.
        targets = (
            Organization.objects.active()
            .exclude(kind=Organization.Kind.AUDITOR)
            .exclude(pk__in=operator)
        )
        if not national:
            targets = targets.subtree_of(self.organization)
        if report.organization_id:
            targets = targets.exclude(pk=report.organization_id)
        categories = suggest_categories(report)
        found = {
            "organizations": suggest_for_targets(
                report, targets, agencies_only=national, categories=categories
            ),
            "categories": categories,
        }
        return Response(SuggestionsSerializer(found).data)


def _find(reports, code: str) -> Report:
    normalized = normalize_tracking_code(code)
    report = reports.filter(tracking_code=normalized).first() if normalized else None
    if report is None:
        raise Http404
    return report


class OneFileParser(MultiPartParser):
    """multipart/form-data of one attachment: a body too large for one is refused from
    its Content-Length, before any of it is read."""

    # Room for the part headers and boundaries around the file.
    ENVELOPE_BYTES = 64 * 1024

    def files_allowed(self) -> int:
        return 1

    def parse(self, stream, media_type=None, parser_context=None):
        meta = parser_context["request"].META
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.ADUAN_MAX_ATTACHMENT_BYTES
        if length > limit * self.files_allowed() + self.ENVELOPE_BYTES:
            error = TooLarge(self.too_large_text(limit))
            error.field = "file"
            raise error
        return super().parse(stream, media_type, parser_context)

    def too_large_text(self, limit: int) -> str:
        return _("The upload is larger than %(limit)s, the most one file may be.") % {
            "limit": filesizeformat(limit)
        }


class FilesParser(OneFileParser):
    """multipart/form-data of a message with up to ADUAN_MAX_ATTACHMENTS files."""

    def files_allowed(self) -> int:
        return max(settings.ADUAN_MAX_ATTACHMENTS, 1)

    def too_large_text(self, limit: int) -> str:
        return _("The upload is larger than %(count)d files of %(limit)s each.") % {
            "count": self.files_allowed(),
            "limit": filesizeformat(limit),
        }


class HandlerActionCreate(OrganizationApiView):
    """POST one handler action (`perform`: a lifecycle function taking the report, the
    actor and the message) of the key's organization, on a report it handles now."""

    scopes = {"POST": Scope.REPORTS_WRITE}
    parser_classes = [JSONParser, FilesParser]
    perform: Callable

    def _act(self, request, code: str) -> Response:
        incoming = self.serializer_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        report = _find(Report.objects.handled_by(self.organization), code)
        try:
            files = clean_uploads(data.get("file") or [])
        except AttachmentError as error:
            raise ValidationError({"file": [str(error)]}, code="invalid") from None
        with _refusals_as_errors():
            event = type(self).perform(
                report, service_actor(self.organization), data["message"], files=files
            )
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class ResponseCreate(HandlerActionCreate):
    serializer_class = ResponseInSerializer
    perform = staticmethod(lifecycle.respond)

    @extend_schema(
        tags=["reports"],
        request=ResponseInSerializer,
        parameters=WRITE_HEADERS,
        responses={201: EventSerializer, **errors(400, 401, 403, 404, 409, 413, 415, 429)},
    )
    @idempotent
    def post(self, request, code: str):
        """Publish a response of the key's organization; only for reports it handles now."""
        return self._act(request, code)


@contextmanager
def _refusals_as_errors(forbidden=Http404):
    """The lifecycle's refusals as API errors: a state that forbids the action is 409;
    an actor who may not take it gets `forbidden` (404 hides reports from outsiders)."""
    try:
        yield
    except lifecycle.StaleReport:
        # The lifecycle's words are for a page ("reload the page"); a program reads again.
        raise Conflict(
            _("The report changed a moment ago: read it again, then retry if still needed."),
            code="stale",
        ) from None
    except lifecycle.DailyLimitReached as error:
        # Not the report's state: the same request succeeds tomorrow.
        raise Conflict(str(error), code="daily_limit") from None
    except lifecycle.TransitionError as error:
        raise Conflict(str(error), code="invalid_state") from None
    except PermissionDenied as error:
        if forbidden is Conflict:
            raise Conflict(str(error), code="invalid_state") from None
        raise forbidden from None


class CompletionCreate(HandlerActionCreate):
    serializer_class = CompletionInSerializer
    perform = staticmethod(lifecycle.complete)

    @extend_schema(
        tags=["reports"],
        request=CompletionInSerializer,
        parameters=WRITE_HEADERS,
        responses={201: EventSerializer, **errors(400, 401, 403, 404, 409, 413, 415, 429)},
    )
    @idempotent
    def post(self, request, code: str):
        """Complete a report the key's organization handles now, with the final response;
        the reporter is then asked whether they are satisfied."""
        return self._act(request, code)


class ReplyCreate(OrganizationApiView):
    scopes = {"POST": Scope.REPORTS_WRITE}
    serializer_class = ReplyInSerializer

    @extend_schema(
        tags=["reports"],
        request=ReplyInSerializer,
        parameters=WRITE_HEADERS,
        responses={201: EventSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
    )
    @idempotent
    def post(self, request, code: str):
        """Relay what the reporter said about a report received through the key's
        organization: an answer while on hold, news of the problem while it is open, a
        verdict on the completion, a rating."""
        incoming = ReplyInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        report = _find(reports_received_by(self.organization), code)
        if there := _verdict_there(report, data["action"]):
            # The connected system the report was forwarded to completed it, not anyone
            # here: the verdict is relayed on to it (docs/webhooks.md).
            with _refusals_as_errors(forbidden=Conflict):
                event = forwarding.give_verdict_there(
                    report,
                    relayed_reporter(report),
                    there,
                    satisfied=data["action"] == ReplyAction.SATISFIED,
                    message=data["message"],
                )
            return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)
        handler = report.organization
        if (
            data["action"] in VERDICTS
            and handler is not None
            and handler.contains(self.organization)
        ):
            # A unit that entered a walk-in report and came to handle it would close
            # its own work as "satisfied" and rate it: the verdict is the reporter's,
            # on the report's page, or an admin records what they said.
            raise DrfPermissionDenied(
                _(
                    "The organization handling this report cannot relay its reporter's "
                    "verdict or rating: the reporter gives it on the report's page, or an "
                    "admin records what they said."
                ),
                code="handled_here",
            )
        # The reporter may act, so a refusal is about the report's state (already rated).
        with _refusals_as_errors(forbidden=Conflict):
            event = _relay(report, data["action"], data["message"], data.get("stars"))
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class AttachmentCreate(OrganizationApiView):
    scopes = {"POST": Scope.REPORTS_WRITE}
    serializer_class = AttachmentInSerializer
    parser_classes = [OneFileParser]

    @extend_schema(
        tags=["reports"],
        request={"multipart/form-data": AttachmentInSerializer},
        parameters=WRITE_HEADERS,
        responses={
            201: AttachmentOutSerializer,
            **errors(400, 401, 403, 404, 409, 413, 415, 429),
        },
    )
    @idempotent
    def post(self, request, code: str):
        """Add a file the reporter sent to a report received through the key's
        organization, one file per request, while the report is open: it joins the
        report's submission, with the same checks as files sent with the web form (at
        most ADUAN_MAX_ATTACHMENTS per report, each at most ADUAN_MAX_ATTACHMENT_BYTES)."""
        incoming = AttachmentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = _find(reports_received_by(self.organization), code)
        try:
            clean = clean_upload(incoming.validated_data["file"])
            with _refusals_as_errors():
                (attachment,) = add_to_submission(report, [clean])
        except AttachmentError as error:
            raise ValidationError({"file": [str(error)]}, code="invalid") from None
        return Response(AttachmentOutSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetail(OrganizationApiView):
    scopes = {"GET": Scope.REPORTS_READ, "DELETE": Scope.REPORTS_WRITE}
    content_negotiation_class = AnyAccept

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The file's id.")
        ],
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for media in ("image/jpeg", "image/png", "image/webp", "application/pdf")
            },
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request, code: str, pk: str):
        """A file of a public timeline entry of a report the key's organization may see
        (the `url` of an entry's `attachments`). Files of internal notes never leave."""
        report = _find(self.visible_reports(), code)
        if not pk.isascii() or not pk.isdigit():
            raise Http404
        item = report.attachments.on_shown_entries().filter(pk=pk).first()
        if item is None:
            raise Http404
        try:
            handle = item.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        record_access(report, via=API_READ, api_key=request.auth)
        response = FileResponse(
            handle,
            content_type=item.content_type,
            as_attachment=True,
            filename=item.name_for_staff(report),
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The file's id.")
        ],
        responses={204: None, **errors(401, 403, 404, 409, 429)},
    )
    def delete(self, request, code: str, pk: str):
        """Hide a file the reporter sent (the `id` the upload answered) from the public, on a
        report received through the key's organization — when that organization hid it
        from its own public (a face, an identity card). The file is not deleted: the
        report's handlers and the reporter still see it. Hiding a hidden file again
        changes nothing (204)."""
        report = _find(reports_received_by(self.organization), code)
        if not pk.isascii() or not pk.isdigit():
            raise Http404
        item = report.attachments.filter(pk=pk, event__action=lifecycle.Action.SUBMIT).first()
        if item is None:
            raise Http404
        if item.is_public:
            try:
                with _refusals_as_errors():
                    lifecycle.hide_file(report, lifecycle.Actor.system(self.organization), item.pk)
            except Conflict:
                item.refresh_from_db(fields=["is_public"])
                if item.is_public:  # not hidden meanwhile by another call: a real refusal
                    raise
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReplyDetail(OrganizationApiView):
    scopes = {"DELETE": Scope.REPORTS_WRITE}

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter(
                "id", int, OpenApiParameter.PATH, description="The entry's id (the reply's `id`)."
            )
        ],
        responses={204: None, **errors(401, 403, 404, 409, 429)},
    )
    def delete(self, request, code: str, pk: str):
        """Take the reporter's words you relayed (the `id` the reply answered) off the
        public pages, on a report received through the key's organization — when that
        organization took them off its own (they name a neighbour, slander someone). They
        are not deleted: the report's handlers and the reporter still read them. Hiding
        hidden words again changes nothing (204)."""
        report = _find(reports_received_by(self.organization), code)
        if not pk.isascii() or not pk.isdigit():
            raise Http404
        event = report.events.filter(
            pk=pk, by_reporter=True, action__in=lifecycle.HIDEABLE_WORDS
        ).first()
        if event is None:
            raise Http404
        if lifecycle.words_hideable(event):
            actor = lifecycle.Actor.system(self.organization)
            try:
                with _refusals_as_errors():
                    lifecycle.hide_information(report, actor, event.pk)
            except Conflict:
                event.refresh_from_db()
                if lifecycle.words_hideable(event):  # not hidden meanwhile: a real refusal
                    raise
        return Response(status=status.HTTP_204_NO_CONTENT)


class PrivacyUpdate(OrganizationApiView):
    scopes = {"POST": Scope.REPORTS_WRITE}
    serializer_class = PrivacyInSerializer

    @extend_schema(
        tags=["reports"],
        request=PrivacyInSerializer,
        parameters=WRITE_HEADERS,
        responses={200: PrivacyOutSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
    )
    @idempotent
    def post(self, request, code: str):
        """Turn privacy flags on for a report the key's organization sent itself (404
        for any other, also one a unit above or below it sent), when that organization
        turned them on for its own copy: `anonymous` hides the reporter from the handlers
        and the public (what points at them in the words is masked), `confidential` takes
        the report off every public page. Flags are never turned off. As for an admin
        here, a flag is turned on while the report is being verified or is dispatched
        (409 later); one already on changes nothing. Answers the report's flags."""
        incoming = PrivacyInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        wanted = incoming.validated_data
        report = _find(reports_sent_by(self.organization), code)
        if (wanted["anonymous"] and not report.is_anonymous) or (
            wanted["confidential"] and not report.is_confidential
        ):
            actor = lifecycle.Actor.system(self.organization)
            with _refusals_as_errors():
                lifecycle.set_flags(report, actor, **wanted)
        return Response(PrivacyOutSerializer(report).data)


class ReporterErasure(OrganizationApiView):
    scopes = {"POST": Scope.REPORTS_WRITE}
    serializer_class = ErasureInSerializer

    @extend_schema(
        tags=["reports"],
        request=ErasureInSerializer,
        responses={204: None, **errors(400, 401, 403, 404, 409, 415, 429)},
    )
    def post(self, request, code: str):
        """Erase the reporter of a report the key's organization sent itself (404 for any
        other, also one a unit above or below it sent, or one its officers typed in), when
        that organization erased them from its own copy at their request (the right to
        erasure of Law 27/2022): the name and contacts the report came with are emptied,
        and in its title, body, address and the reporter's messages what points at them
        (their name and contacts, NIK numbers, the numbers and house they call their own)
        is masked, also by the `identities` given (the names and contacts your system
        knew them by, used for the masking and not kept); what waits for their answer is
        settled. The report stays, with its handling. Erasing again changes nothing
        (204); a report whose reporter has an account here is theirs to erase (409)."""
        incoming = ErasureInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        identities = [
            erasure.Identity(row["name"], row["email"], row["phone"])
            for row in incoming.validated_data["identities"]
        ]
        report = _find(reports_sent_by(self.organization), code)
        try:
            erased = erasure.erase_relayed_reporter(report, identities)
        except erasure.ErasureRefused as refusal:
            raise Conflict(str(refusal), code="has_account") from None
        if erased:
            _log_erasure(report, request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _log_erasure(report: Report, key) -> None:
    """An erasure cannot be undone: the report's history in the administration site
    says which system asked for it, with which key, as it does for the operators'."""
    from django.contrib.admin.models import CHANGE, LogEntry

    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "Erased the reporter's personal data at the request of the system that sent "
            "the report (API key %(key)s)."
        ) % {"key": f"{key.name} · {key.prefix}"}
    LogEntry.objects.log_actions(
        user_id=service_actor(key.organization).user.pk,
        queryset=[report],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


VERDICTS = {ReplyAction.SATISFIED, ReplyAction.NOT_SATISFIED, ReplyAction.RATE}


def _verdict_there(report: Report, action: str):
    """The forwarding whose uplink waits for this verdict, when the report is not
    completed here (`forwarding.awaiting_verdict`), or None."""
    if action not in (ReplyAction.SATISFIED, ReplyAction.NOT_SATISFIED):
        return None
    if report.status == Status.COMPLETED:
        return None
    waiting = forwarding.awaiting_verdict(report)
    return waiting[0] if waiting else None


def _relay(report: Report, action: str, message: str, stars: int | None) -> ReportEvent:
    actor = relayed_reporter(report)
    if action == ReplyAction.ANSWER_HOLD:
        return lifecycle.answer_hold(report, actor, message)
    if action == ReplyAction.RATE:
        return lifecycle.rate(report, actor, stars, message)
    if action == ReplyAction.ADD_INFO:
        return lifecycle.add_information(report, actor, message)
    satisfied = action == ReplyAction.SATISFIED
    return lifecycle.reply(report, actor, satisfied=satisfied, message=message)


def _settled_horizon() -> int:
    """The highest event id the changes feed may list now. Ids are handed out when an
    event is written, not when its transaction commits: an event still being committed
    may carry a lower id than one already listed, and a cursor past that one would skip
    it for good. The feed stops at the newest event written ADUAN_CHANGES_LAG_SECONDS
    ago, so such a transaction has that long to finish."""
    lag = datetime.timedelta(seconds=settings.ADUAN_CHANGES_LAG_SECONDS)
    # By when each row was written: `at` is what happened when (a letter entered a week
    # later is at the letter's date), and a back-dated event must not move the horizon.
    settled = ReportEvent.objects.filter(recorded_at__lte=timezone.now() - lag).order_by("-pk")
    return settled.values_list("pk", flat=True).first() or 0


@list_schema(EventSerializer, "reports")
class ChangeList(OrganizationApiView, generics.ListAPIView):
    """Public timeline events of visible reports, oldest first, for syncing: keep the last
    `next` link and follow it later to receive what happened since."""

    scopes = {"GET": Scope.REPORTS_READ}
    serializer_class = ChangeSerializer
    pagination_class = ChangesPagination
    ordering = "id"

    def get_queryset(self):
        visible = self.visible_reports().values("pk")
        # Public events, and every change of status (its text blanked when internal, as
        # in webhook calls): a client syncing from the feed must end with the status the
        # report has. The event that took a report away from the subtree is included.
        status_changed = ~Q(to_status="") & ~Q(to_status=F("from_status"))
        shown = (Q(is_public=True) | status_changed) & Q(report__in=visible)
        return with_files(
            ReportEvent.objects.filter(shown | left_subtree(self.organization))
            .filter(pk__lte=_settled_horizon())
            .select_related("report")
        )
