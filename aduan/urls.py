from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from aduan.accounts.views import set_language
from aduan.system.health import healthz


class Favicon(RedirectView):
    """Browsers ask for /favicon.ico before reading a page's icon link."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("aduan/favicon.svg")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", Favicon.as_view()),
    # The language switch, which also keeps a signed-in user's choice on the account.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
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
