"""Limits on how often one address may try a public lookup that guesses could abuse:
tracking codes, private links, contact confirmations, the draft check.

Codes (31^8) and secrets (192 bits) cannot be guessed in any useful time, so a limit
protects the logs, the database and the other visitors from a script, not the codes.
Counters live in the default cache (django-ratelimit): each process's own memory by
default, shared by every process and host once ADUAN_CACHE_URL points at Redis.

Settings (read at request time):
- ADUAN_LOOKUP_RATE = "30/m": tracking-code lookups and account confirmations;
- ADUAN_LINK_RATE = "120/m": a guest's private and access links and contact
  confirmations, counted apart: many phones share one address behind a mobile carrier,
  and their lookups must not lock a citizen out of their own report's link;
- ADUAN_DRAFT_CHECK_RATE = "60/m": the submit page's draft check (about one a second
  while typing);
- ADUAN_TRUSTED_PROXIES = 0: reverse proxies in front of Aduan; with N > 0 the client's
  address is the N-th address from the right of X-Forwarded-For.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

DEFAULT_RATES = {"lookup": "30/m", "link": "120/m", "draft_check": "60/m"}
RETRY_AFTER_SECONDS = 60


def client_ip(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or the address the trusted proxies saw."""
    proxies = getattr(settings, "ADUAN_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _rate(group: str, request: HttpRequest) -> str:
    name = group.removeprefix("aduan.")
    return getattr(settings, f"ADUAN_{name.upper()}_RATE", DEFAULT_RATES[name])


def limited(group: str, *, as_json: bool = False) -> Callable:
    """A view decorator: past the group's rate for the visitor's address, answer 429
    (a page, or JSON for `as_json`) with Retry-After, without running the view."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if is_ratelimited(
                request,
                group=f"aduan.{group}",
                key=lambda _group, req: client_ip(req),
                rate=_rate,
                increment=True,
            ):
                return _too_many(request, as_json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _too_many(request: HttpRequest, as_json: bool) -> HttpResponse:
    message = _("Too many attempts from your connection. Wait a minute, then try again.")
    if as_json:
        response = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, "portal/too_many.html", {"message": message}, status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
