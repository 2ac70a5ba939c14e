from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from aduan.api import views

app_name = "api"
urlpatterns = [
    path("categories/", views.CategoryList.as_view(), name="categories"),
    path("organizations/", views.OrganizationList.as_view(), name="organizations"),
    path("regions/", views.RegionList.as_view(), name="regions"),
    path("reports/", views.ReportListCreate.as_view(), name="reports"),
    path("reports/<str:code>/", views.ReportDetail.as_view(), name="report"),
    path("reports/<str:code>/responses/", views.ResponseCreate.as_view(), name="responses"),
    path("reports/<str:code>/completion/", views.CompletionCreate.as_view(), name="completion"),
    path("reports/<str:code>/replies/", views.ReplyCreate.as_view(), name="replies"),
    path("reports/<str:code>/replies/<str:pk>/", views.ReplyDetail.as_view(), name="reply"),
    path("reports/<str:code>/privacy/", views.PrivacyUpdate.as_view(), name="privacy"),
    path("reports/<str:code>/erasure/", views.ReporterErasure.as_view(), name="erasure"),
    path("reports/<str:code>/attachments/", views.AttachmentCreate.as_view(), name="attachments"),
    path(
        "reports/<str:code>/attachments/<str:pk>/",
        views.AttachmentDetail.as_view(),
        name="attachment",
    ),
    path("reports/<str:code>/suggestions/", views.ReportSuggestions.as_view(), name="suggestions"),
    path("changes/", views.ChangeList.as_view(), name="changes"),
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(
            authentication_classes=[],
            permission_classes=[],
            throttle_classes=[],
        ),
        name="openapi",
    ),
]
