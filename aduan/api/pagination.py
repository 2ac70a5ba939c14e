"""Cursor pagination: opaque `cursor` links that stay correct while rows are added."""

from __future__ import annotations

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

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: _("Invalid cursor.")}) from None


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
