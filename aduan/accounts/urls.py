from django.urls import path

from aduan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("telepon/", views.phone_number, name="phone"),
    path("telepon/kode/", views.phone_code, name="phone_code"),
    path("email/", views.email_change, name="email_change"),
    path("email/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("sandi/", views.password_change, name="password_change"),
    path("keluar-di-tempat-lain/", views.sign_out_elsewhere, name="sign_out_elsewhere"),
    path("data/", views.my_data, name="my_data"),
    path("hapus/", views.delete_account, name="delete"),
    path("masuk/", views.SignInView.as_view(), name="login"),
    path("masuk/kode/", views.sign_in_code, name="sign_in_code"),
    path("dua-langkah/", views.two_factor_page, name="two_factor"),
    path("keluar/", views.SignOutView.as_view(), name="logout"),
    path("daftar/", views.sign_up, name="signup"),
    path("daftar/terkirim/", views.sign_up_sent, name="signup_sent"),
    path("konfirmasi/kirim-ulang/", views.resend_confirmation, name="resend_confirmation"),
    path("konfirmasi/<str:token>/", views.confirm_email, name="confirm_email"),
    path("sandi/lupa/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path("sandi/lupa/terkirim/", views.PasswordResetSentView.as_view(), name="password_reset_done"),
    path(
        "sandi/baru/<str:uidb64>/<str:token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "sandi/baru/selesai/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
