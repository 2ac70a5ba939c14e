from django.urls import path

from aduan.analytics import views

app_name = "monev"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ekspor.csv", views.dashboard_export, {"fmt": "csv"}, name="export_csv"),
    path("ekspor.xlsx", views.dashboard_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("terlambat.csv", views.overdue_export, {"fmt": "csv"}, name="overdue_csv"),
    path("terlambat.xlsx", views.overdue_export, {"fmt": "xlsx"}, name="overdue_xlsx"),
]
