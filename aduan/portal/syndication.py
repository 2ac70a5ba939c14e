"""Machine-readable views of the public site: an Atom feed of the public reports (with
the public feed's filters, so a journalist can follow an agency, a category or a search)
and robots.txt."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aduan.lib.replica import reads_from_replica
from aduan.notifications.outbox import absolute
from aduan.portal.forms import FeedFilterForm
from aduan.reports.models import Report

FEED_ITEMS = 50
FEED_MAX_AGE = 300  # seconds a reader or a proxy may keep the feed


class PublicReportsFeed(Feed):
    """The newest public reports, as the feed page lists them: masked title and body
    (the stored public copies), filtered as its query string asks; an invalid filter is
    ignored, as on the page."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def get_object(self, request: HttpRequest) -> FeedFilterForm:
        form = FeedFilterForm(request.GET or None)
        form.query = request.GET.urlencode()
        return form

    def title(self, form: FeedFilterForm) -> str:
        # A feed reader lists feeds by their title alone: it says whose reports these are.
        return _("Public reports · %(site)s") % {"site": settings.SITE_NAME}

    def subtitle(self, form: FeedFilterForm) -> str:
        return _("The newest public reports, with personal data masked.")

    def link(self, form: FeedFilterForm) -> str:
        return reverse("portal:feed") + (f"?{form.query}" if form.query else "")

    def items(self, form: FeedFilterForm):
        newest = Report.objects.public().select_related("category").order_by("-submitted_at", "-pk")
        reports = form.filter_reports(newest)
        return reports.only(
            "tracking_code", "public_title", "public_body", "submitted_at", "updated_at",
            "category__name", "category__name_en", "category__parent",
        )[:FEED_ITEMS]  # fmt: skip

    def item_title(self, report: Report) -> str:
        return f"{report.tracking_code}: {report.public_title}"

    def item_description(self, report: Report) -> str:
        return report.public_body

    def item_link(self, report: Report) -> str:
        return reverse("portal:report", args=[report.tracking_code])

    def item_guid(self, report: Report) -> str:
        # Atom wants an IRI for <id>: the report's public address at the installation's
        # own URL (ADUAN_SITE_URL), whatever host name the feed was fetched under.
        return absolute(reverse("portal:report", args=[report.tracking_code]))

    item_guid_is_permalink = True

    def item_pubdate(self, report: Report):
        return report.submitted_at

    def item_updateddate(self, report: Report):
        return report.updated_at

    def item_categories(self, report: Report) -> list[str]:
        return [str(report.category)] if report.category_id else []


public_reports_feed = reads_from_replica(PublicReportsFeed())

# Back office, accounts, the API and every private link stay out of search engines;
# secret and access links are unguessable, but nothing should index them either.
ROBOTS = """User-agent: *
Disallow: /kantor/
Disallow: /akun/
Disallow: /admin/
Disallow: /notifikasi/
Disallow: /api/
Disallow: /masuk/
Disallow: /lapor/periksa/
Disallow: /laporan/*/k/
Disallow: /laporan/*/a/
Disallow: /laporan/*/konfirmasi/
Disallow: /data/
"""


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response
