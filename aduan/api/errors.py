"""Every API error as {"errors": [{"field", "code", "message"}]}, naming the field."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "Conflict."


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "Too large."


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django's limit on a body without files (DATA_UPLOAD_MAX_MEMORY_SIZE): an answer
        # in the API's own shape, not an HTML error page a client would retry.
        exc = TooLarge(
            _("The request body is larger than %(mb)s MB.")
            % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}
        )
    exc = _in_our_words(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    field = getattr(exc, "field", None)
    response.data = {"errors": list(flatten(detail, field))}
    return response


def _in_our_words(exc):
    """DRF's throttling and JSON messages are put together before they could be looked
    up in a catalogue ("Expected available in 57 seconds."): say them again, in the
    request's language."""
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        wait = exc.wait
        exc = exceptions.Throttled(
            detail=_("Too many requests; try again in %(seconds)s seconds.") % {"seconds": wait}
        )
        exc.wait = wait  # for Retry-After
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith(JSON_ERROR):
        problem = str(exc.detail).removeprefix(JSON_ERROR)
        exc = exceptions.ParseError(
            _("The request body is not valid JSON (%(problem)s).") % {"problem": problem}
        )
    return exc


JSON_ERROR = "JSON parse error - "


def flatten(detail, field: str | None = None):
    """Nested DRF error details as flat rows; nested fields are joined with dots."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in (api_settings.NON_FIELD_ERRORS_KEY, "detail"):
                name = field
            else:
                name = f"{field}.{key}" if field else str(key)
            yield from flatten(value, name)
    elif isinstance(detail, list):
        for item in detail:
            yield from flatten(item, field)
    else:
        yield {
            "field": field,
            "code": getattr(detail, "code", None) or "error",
            "message": str(detail),
        }


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The field at fault, or null.")
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)
