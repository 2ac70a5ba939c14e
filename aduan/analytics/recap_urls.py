from django.urls import path

from aduan.analytics import recap_views

app_name = "recap"
urlpatterns = [
    path("", recap_views.recap_page, name="form"),
    path("<int:pk>/", recap_views.recap_job, name="job"),
    path("<int:pk>/unduh/", recap_views.recap_download, name="download"),
]
