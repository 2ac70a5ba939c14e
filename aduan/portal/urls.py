from django.urls import path

from aduan.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("lapor/", views.home, name="submit"),
    path("lacak/", views.home, name="track"),
    path("laporan/", views.home, name="feed"),
    path("akun/laporan-saya/", views.home, name="my_reports"),
]
