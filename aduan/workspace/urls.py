from django.urls import path

from aduan.workspace import (
    apikey_views,
    calendar_views,
    delivery_views,
    import_views,
    message_views,
    overdue_views,
    views,
)
from aduan.workspace import organization_views as org_views

app_name = "workspace"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("pengiriman/", delivery_views.deliveries, name="deliveries"),
    path("kunci-api/", apikey_views.apikeys, name="apikeys"),
    path("kunci-api/baru/", apikey_views.apikey_create, name="apikey_create"),
    path("kunci-api/<int:pk>/putar/", apikey_views.apikey_rotate, name="apikey_rotate"),
    path("kunci-api/<int:pk>/cabut/", apikey_views.apikey_revoke, name="apikey_revoke"),
    path("pengiriman/ulang/", delivery_views.delivery_retry_all, name="delivery_retry_all"),
    path("pengiriman/<int:pk>/ulang/", delivery_views.delivery_retry, name="delivery_retry"),
    path("ekspor.csv", views.export, name="export"),
    path("laporan/<str:code>/", views.report_detail, name="report"),
    path("laporan/<str:code>/aksi/<str:action>/", views.report_action, name="action"),
    path("laporan/<str:code>/lampiran/<int:pk>/", views.attachment, name="attachment"),
    path("lapor-manual/", views.manual_entry, name="manual_entry"),
    path("impor/", import_views.import_page, name="import"),
    path("impor/jalankan/", import_views.import_confirm, name="import_confirm"),
    path("terlambat/", overdue_views.overdue, name="overdue"),
    path("terlambat/<int:pk>/ingatkan/", overdue_views.overdue_remind, name="overdue_remind"),
    path("templat/", views.templates, name="templates"),
    path("templat/baru/", views.template_create, name="template_create"),
    path("templat/<int:pk>/", views.template_edit, name="template_edit"),
    path("templat/<int:pk>/hapus/", views.template_delete, name="template_delete"),
    path("pesan/", message_views.message_list, name="messages"),
    path(
        "pesan/<int:org_pk>/<str:kind>/<str:language>/",
        message_views.message_edit,
        name="message_edit",
    ),
    path("kalender/", calendar_views.calendar_page, name="calendar"),
    path("kalender/hari-libur/", calendar_views.calendar_day_off, name="calendar_day_off"),
    path("kalender/hari-kerja/", calendar_views.calendar_working_day, name="calendar_working_day"),
    path("kalender/<int:pk>/hapus/", calendar_views.calendar_delete, name="calendar_delete"),
    path("organisasi/", org_views.organizations, name="organizations"),
    path("organisasi/<int:pk>/", org_views.organization, name="organization"),
    path("organisasi/<int:pk>/sk/", org_views.decree_add, name="organization_decree_add"),
    path("organisasi/<int:pk>/unit/", org_views.unit_add, name="organization_unit_add"),
    path("organisasi/<int:pk>/anggota/", org_views.member_add, name="organization_member_add"),
    path(
        "organisasi/<int:pk>/anggota/<int:membership_pk>/status/",
        org_views.member_status,
        name="organization_member_status",
    ),
    path("organisasi/<int:pk>/aturan/", org_views.rule_add, name="organization_rule_add"),
    path(
        "organisasi/<int:pk>/aturan/<int:rule_pk>/hapus/",
        org_views.rule_delete,
        name="organization_rule_delete",
    ),
]
