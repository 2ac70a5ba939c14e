"""Cursor pagination: opaque `cursor` links that stay correct while rows are added."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first by id; views may set `ordering` (a unique field) to change it."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        return (getattr(view, "ordering", None) or self.ordering,)

    def get_page_size(self, request) -> int:
        # DRF ignores a broken `limit` silently; a client with a typo should hear of it.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: _("Write a whole number from 1 upwards.")}
            )
        return min(int(raw), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        name = self.get_ordering(request, queryset, view)[0].lstrip("-")
        self._position_field = queryset.model._meta.get_field(name)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
            valid = False
        else:
            valid = cursor is None or self._valid_position(cursor.position)
        if not valid:
            raise ValidationError({self.cursor_query_param: _("Invalid cursor.")})
        return cursor

    def _valid_position(self, position: str | None) -> bool:
        """A cursor is opaque but not signed: a forged position must be a 400, not an
        error in the query (a word for an id, or a NUL that PostgreSQL refuses)."""
        if position is None:
            return True
        if "\x00" in position:
            return False
        try:
            self._position_field.get_prep_value(self._position_field.to_python(position))
        except (DjangoValidationError, TypeError, ValueError):
            return False
        return True


class ChangesPagination(IdCursorPagination):
    """Oldest first, and `next` is never null: at the end it points just past the last
    row (or repeats the request when there was none), so a syncing client stores it and
    follows it later to receive only what happened since."""

    def get_next_link(self) -> str:
        link = super().get_next_link()
        if link is not None:
            return link
        if self.page:
            position = self._get_position_from_instance(self.page[-1], self.ordering)
            return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))
        return self.request.build_absolute_uri()
