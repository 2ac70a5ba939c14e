"""Pages made for one signed-in person stay with that person.

A page shown to a signed-in user may hold what only they may see (a reporter's contact
on a back-office report, their own reports, their notifications). Unless the view says
otherwise, such a response is `private` (no shared cache keeps it), and back-office pages
are not stored at all (`no-store`), so the next user of a shared office computer cannot
bring them back from the browser's cache.
"""

from django.utils.cache import add_never_cache_headers, patch_cache_control

BACK_OFFICE = "/kantor/"


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.has_header("Cache-Control") or not getattr(user, "is_authenticated", False):
            return response
        if request.path_info.startswith(BACK_OFFICE):
            add_never_cache_headers(response)
        else:
            patch_cache_control(response, private=True)
        return response


class TwoFactorRequiredMiddleware:
    """Where the installation requires two-step sign-in of officers and operators
    (ADUAN_STAFF_TWO_FACTOR), the back office, the administration site and the
    notifications open only to a session signed in with a code: an officer without an
    authenticator app is sent to set one up; a session signed in before is asked to sign
    in again."""

    # Also the notifications, which tell an officer of reports with their titles and
    # what reporters wrote back (an answer to a question, why they are not satisfied),
    # and the copy of one's data, which holds every message sent to the account.
    PROTECTED = (BACK_OFFICE, "/admin/", "/notifikasi/", "/akun/data/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        user = getattr(request, "user", None)
        if (
            settings.ADUAN_STAFF_TWO_FACTOR
            # The path the site's URLs see: under a prefix (SCRIPT_NAME) `request.path`
            # starts with the prefix, and the back office would open without a code.
            and request.path_info.startswith(self.PROTECTED)
            and getattr(user, "is_authenticated", False)
            and not user.is_verified()
        ):
            return self._refuse(request, user)
        return self.get_response(request)

    def _refuse(self, request, user):
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.utils.http import urlencode
        from django.utils.translation import gettext as _

        from aduan.accounts import two_factor

        if not two_factor.is_required_of(user):
            return self.get_response(request)
        if two_factor.is_on(user):
            logout(request)
            messages.info(request, _("Sign in again, with the code from your app."))
            login = redirect("accounts:login")
            login["Location"] += "?" + urlencode({"next": request.get_full_path()})
            return login
        messages.info(
            request,
            _(
                "This installation asks every officer to sign in in two steps. Set up an "
                "authenticator app to open the back office."
            ),
        )
        return redirect("accounts:two_factor")


class IdleOfficerSessionMiddleware:
    """An officer's session left idle for ADUAN_STAFF_IDLE_MINUTES ends (the back office
    is used on shared office computers): the next page read asks them to sign in again
    and then brings them back. A form sent after the pause (a response written slowly)
    is still taken within ADUAN_STAFF_LATE_FORM_HOURS of the last activity, so nothing
    typed is lost, but it does not bring the session back:
    the page it leads to asks for the sign-in (otherwise the next person at the
    computer would only have to press a button, the language switch, to have the
    session for another hour). Only pages read and forms accepted within the limit
    count as activity; a page's own background requests (a region picker) after it
    are answered as to a visitor, neither ending nor extending the session. A form sent
    later than that (a page left open overnight on a shared computer, which anybody
    could send) is refused and the session ends; the refusal shows the text that was
    typed, to be copied into the form after signing in. Signing in starts the clock
    (`stamp_sign_in`); a session without it is taken as idle.
    Citizens' sessions are left alone, and not written to."""

    SEEN_KEY = "aduan_seen_at"
    # The session is written at most this often for the timestamp alone.
    RESOLUTION_SECONDS = 60
    WRITES = ("POST", "PUT", "PATCH", "DELETE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings

        from aduan.organizations.access import is_officer

        idle = settings.ADUAN_STAFF_IDLE_MINUTES * 60
        user = getattr(request, "user", None)
        if not idle or not is_officer(user):
            return self.get_response(request)
        now = time.time()
        seen = request.session.get(self.SEEN_KEY)
        late = seen is None or now - seen > idle
        if request.method in self.WRITES:
            grace = settings.ADUAN_STAFF_LATE_FORM_HOURS * 3600
            if late and (seen is None or now - seen > idle + grace):
                if _in_background(request):  # a draft checked as it is typed
                    return self._as_visitor(request)
                if _is_sign_out(request):  # ends the session, as the refusal would
                    return self.get_response(request)
                return self._refuse_late_form(request)
            response = self.get_response(request)
            # Refused forms (no CSRF token, not allowed, too many) are not activity; a
            # form sent back with what to correct (400) is.
            accepted = response.status_code <= 400
            if not late and accepted and request.user.is_authenticated:
                self._stamp(request, seen, now)
            return response
        if late:
            if _in_background(request):
                return self._as_visitor(request)
            return self._sign_out(request)
        self._stamp(request, seen, now)
        return self.get_response(request)

    def _as_visitor(self, request):
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        return self.get_response(request)

    def _stamp(self, request, seen, now) -> None:
        if now - seen >= self.RESOLUTION_SECONDS:
            request.session[self.SEEN_KEY] = now

    def _refuse_late_form(self, request):
        from urllib.parse import urlsplit

        from django.contrib.auth import logout
        from django.shortcuts import render
        from django.utils.http import url_has_allowed_host_and_scheme

        typed = _typed_text(request.POST)
        back = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            parts = urlsplit(back)
            back = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            back = ""
        logout(request)
        context = {"typed": typed, "back": back, "had_files": bool(request.FILES)}
        return render(request, "accounts/late_form.html", context, status=403)

    def _sign_out(self, request):
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.utils.http import urlencode
        from django.utils.translation import gettext as _

        logout(request)
        messages.info(request, _("You were signed out after a long pause. Sign in again."))
        response = redirect("accounts:login")
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


# Form fields that are not words someone typed, or must not be shown again (an uplink's
# API key and webhook signing secret in the administration site are long enough to pass
# for text).
_NOT_TYPED = ("csrf", "password", "token", "code", "version", "otp", "secret", "key")


def _typed_text(data) -> list[str]:
    """The words in a refused form, worth copying into it again: not its hidden ids,
    choices, versions, tokens or passwords. A value of one word is left out however
    long: a key, a hash or an address with a token in it, not a sentence."""
    typed = []
    for name, values in data.lists():
        if any(part in name.lower() for part in _NOT_TYPED):
            continue
        typed += [v for v in values if len(v.split()) > 1]
    return typed


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: the idle clock starts at the sign-in (every account: one who
    becomes an officer later has it already)."""
    import time

    session = getattr(request, "session", None)
    if session is not None:
        session[IdleOfficerSessionMiddleware.SEEN_KEY] = time.time()


def _is_sign_out(request) -> bool:
    from django.urls import reverse

    return request.path == reverse("accounts:logout")


def _in_background(request) -> bool:
    """A request a page makes by itself (fetch, an image), as browsers label it; one
    without the label is taken as a page read."""
    mode = request.headers.get("Sec-Fetch-Mode", "")
    return bool(mode) and mode != "navigate"
