"""Content negotiation: the API speaks JSON (and files, for downloads) whatever a client
puts in its Accept header. A 406 for `Accept: text/html` or a mistyped header helps no
client, and the answer's Content-Type says what it is."""

from __future__ import annotations

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation


class JsonWhateverAccepted(DefaultContentNegotiation):
    """Django REST framework's negotiation, falling back to the first renderer (JSON)
    where it would refuse with 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class AnyAccept(BaseContentNegotiation):
    """A download is the file whatever the client says it accepts (`Accept: image/jpeg`
    included); an error is still JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
