from django.urls import path

from aduan.portal import maps, opendata, organizations, syndication, triage_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("lapor/", views.submit, name="submit"),
    path("lapor/terkirim/", views.submitted, name="submitted"),
    path("lapor/periksa/", triage_views.draft_checks, name="draft_checks"),
    path("lacak/", views.track, name="track"),
    path("laporan/", views.feed, name="feed"),
    path("laporan/feed.atom", syndication.public_reports_feed, name="atom"),
    path("robots.txt", syndication.robots_txt, name="robots"),
    path("peta/", maps.map_page, name="map"),
    path("peta/laporan.geojson", maps.map_reports, name="map_reports"),
    path("data/laporan.csv", opendata.reports_csv, name="open_data_csv"),
    path("data/laporan.json", opendata.reports_json, name="open_data_json"),
    path("laporan/<str:code>/", views.report_page, name="report"),
    path("laporan/<str:code>/k/<str:secret>/", views.secret_link, name="secret"),
    path("laporan/<str:code>/a/<str:token>/", views.guest_access, name="guest_access"),
    path(
        "laporan/<str:code>/konfirmasi/<str:token>/",
        views.confirm_contact,
        name="confirm_contact",
    ),
    path("laporan/<str:code>/aksi/<str:action>/", views.report_action, name="report_action"),
    path("laporan/<str:code>/lampiran/<int:pk>/", views.attachment, name="attachment"),
    path(
        "laporan/<str:code>/lampiran/<int:pk>/kecil/",
        views.attachment,
        {"small": True},
        name="attachment_thumbnail",
    ),
    path("akun/laporan-saya/", views.my_reports, name="my_reports"),
    path("wilayah/", views.regions, name="regions"),
    path("instansi/", organizations.organization_list, name="organizations"),
    path("instansi/<slug:slug>/", organizations.organization_page, name="organization"),
    path("kisah-sukses/", organizations.success_stories, name="stories"),
    path("privasi/", views.privacy, name="privacy"),
]
