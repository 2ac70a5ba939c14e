from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import RedirectView

from aduan.accounts.views import set_language
from aduan.system.health import healthz


class Favicon(RedirectView):
    """Browsers ask for /favicon.ico before reading a page's icon link."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("aduan/favicon.svg")


class AdminSignIn(RedirectView):
    query_string = True
    pattern_name = "accounts:login"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if admin.site.has_permission(request):
                # Already in (a bookmarked sign-in page): on to the page asked for, as
                # Django's own admin sign-in page does.
                target = request.GET.get("next", "")
                safe = url_has_allowed_host_and_scheme(
                    target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                )
                return redirect(target if safe and target.startswith("/") else "admin:index")
            # Signed in without access to the administration site: signing in again
            # would only lead back here.
            raise PermissionDenied
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", Favicon.as_view()),
    # The language switch, which also keeps a signed-in user's choice on the account.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The administration site signs in through the site's own page, so that two-step
    # sign-in (aduan.accounts.two_factor) cannot be skipped through Django's admin form.
    path("admin/login/", AdminSignIn.as_view()),
    path("admin/", admin.site.urls),
    path("akun/", include("aduan.accounts.urls")),
    path("kantor/monev/", include("aduan.analytics.urls")),
    path("kantor/rekap/", include("aduan.analytics.recap_urls")),
    path("kantor/", include("aduan.workspace.urls")),
    path("api/v1/", include("aduan.api.urls")),
    path("open311/v2/", include("aduan.open311.urls")),
    path("notifikasi/", include("aduan.notifications.urls")),
    path("masuk/uplink/", include("aduan.webhooks.urls")),
    path("masuk/", include("aduan.channels.urls")),
    path("", include("aduan.portal.urls")),
]
# Attachments are never served from MEDIA_URL: they go through views that apply the
# report's visibility rules (confidential reports, internal notes).
