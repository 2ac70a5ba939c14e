"""Message texts: built-in templates per language, overridable per organization.

A built-in message is one plain-text template file per kind and language,
`notifications/messages/<language>/<kind>.txt`, in three parts separated by a line
holding only `-----`: the subject, the full body (email, in the app), and the short text
(SMS, WhatsApp). An organization's `MessageTemplate` replaces any part for itself and
every unit below it; the nearest organization's wording wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import translation

from aduan.notifications.models import MessageTemplate

SEPARATOR = "-----"
LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    short: str


def render(kind: str, language: str, context: dict, organization=None) -> Rendered:
    """The message `kind` in `language` for `context`, in `organization`'s wording."""
    language = language if language in LANGUAGES else "id"
    with translation.override(language):
        built_in = _split(
            render_to_string(f"notifications/messages/{language}/{kind}.txt", context)
        )
        override = _override(kind, language, organization)
        if override is None:
            return built_in
        return Rendered(
            subject=_render_text(override.subject, context) or built_in.subject,
            body=_render_text(override.body, context) or built_in.body,
            short=_render_text(override.short, context) or built_in.short,
        )


def _split(text: str) -> Rendered:
    parts = [part.strip() for part in text.split(f"\n{SEPARATOR}\n")]
    if len(parts) != 3:
        raise ValueError("A message template needs subject, body and short text")
    subject, body, short = parts
    return Rendered(" ".join(subject.split())[:200], body, short)


def _override(kind: str, language: str, organization) -> MessageTemplate | None:
    if organization is None:
        return None
    prefixes = [organization.path[:end] for end in range(6, len(organization.path) + 1, 6)]
    rows = MessageTemplate.objects.filter(
        kind=kind, language=language, organization__path__in=prefixes
    ).select_related("organization")
    return max(rows, key=lambda row: len(row.organization.path), default=None)


def _render_text(source: str, context: dict) -> str:
    if not source.strip():
        return ""
    try:
        return (
            Template("{% autoescape off %}" + source + "{% endautoescape %}")
            .render(Context(context))
            .strip()
        )
    except TemplateSyntaxError:
        # A broken override must not stop the message: the built-in text is used.
        return ""


def check_template(source: str) -> str | None:
    """The syntax error in an organization's template text, or None when it is valid."""
    try:
        Template(source)
    except TemplateSyntaxError as error:
        return str(error)
    return None
