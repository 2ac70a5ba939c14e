from django.urls import path

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
]
