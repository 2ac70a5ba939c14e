from django.urls import path

from aduan.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/buka/", views.open_notification, name="open"),
    path("baca-semua/", views.mark_all_read, name="mark_all_read"),
    path("pengaturan/", views.preferences, name="preferences"),
]
