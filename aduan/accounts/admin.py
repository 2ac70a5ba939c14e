"""Django admin for users: for the people who run the installation, not for officers."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.organizations.admin import release_reports_of_deleted, release_stranded_reports
from aduan.organizations.models import Membership


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserChangeForm):
    # The account's language picks its emails' and notifications' language: only the
    # installation's languages make sense.
    language = forms.ChoiceField(label=_("language"), choices=lambda: settings.LANGUAGES)

    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("organization",)
    fields = ("organization", "role", "is_active")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    inlines = [MembershipInline]
    list_display = ("email", "full_name", "phone", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)
    # An operator may confirm an address by hand (an officer who lost the link).
    # Only its holder verifies a number (a code sent to it): the operator cannot.
    readonly_fields = ("last_login", "date_joined", "phone_verified_at", "phone_used_at")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name", "phone", "phone_verified_at", "phone_used_at", "language")},
        ),
        (
            _("Admin site access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "email_confirmed_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request, obj, form, change) -> None:
        # An account an operator creates is vouched for: its officer can be given a
        # role at once (aduan.accounts.confirmation).
        if not change and obj.email_confirmed_at is None:
            obj.email_confirmed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj) -> None:
        release_reports_of_deleted(self, request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        release_reports_of_deleted(self, request, list(queryset))
        super().delete_queryset(request, queryset)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            # Deactivated, or a role ended or changed inline.
            release_stranded_reports(self, request, officers=[form.instance.pk])
