from django.urls import path

from aduan.workspace import organization_views as org_views
from aduan.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("ekspor.csv", views.export, name="export"),
    path("laporan/<str:code>/", views.report_detail, name="report"),
    path("laporan/<str:code>/aksi/<str:action>/", views.report_action, name="action"),
    path("laporan/<str:code>/lampiran/<int:pk>/", views.attachment, name="attachment"),
    path("lapor-manual/", views.manual_entry, name="manual_entry"),
    path("templat/", views.templates, name="templates"),
    path("templat/baru/", views.template_create, name="template_create"),
    path("templat/<int:pk>/", views.template_edit, name="template_edit"),
    path("templat/<int:pk>/hapus/", views.template_delete, name="template_delete"),
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
