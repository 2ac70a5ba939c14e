"""Bahasa Indonesia unless the visitor chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language header, which on most
phones sold in Indonesia says English. Aduan serves Indonesian first and switches only
when the visitor picks a language with the switch (the language cookie). A program
calling the REST API has no switch: it asks with Accept-Language, which is then
followed (its client library sends none unless told to).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Paths whose callers are programs, for which Accept-Language is a deliberate choice.
MACHINE_PATHS = ("/api/",)


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        asks = request.path.startswith(MACHINE_PATHS) and request.headers.get("Accept-Language")
        if not chosen and asks:
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if not request.path.startswith(MACHINE_PATHS):
            # The language came from a cookie: a cache must not hand a page (or the
            # map's data, with its status labels) made for one language to the other.
            patch_vary_headers(response, ("Cookie",))
        return response
