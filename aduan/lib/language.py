"""Bahasa Indonesia unless the visitor chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language header, which on most
phones sold in Indonesia says English. Aduan serves Indonesian first and switches only
when the visitor picks a language with the switch (the language cookie).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
