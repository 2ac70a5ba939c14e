from django.urls import path

from aduan.channels import views

app_name = "channels"
urlpatterns = [
    path("sms/", views.sms, name="sms"),
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp"),
    path("email/", views.email, name="email"),
]
