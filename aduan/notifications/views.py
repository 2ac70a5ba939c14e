"""The signed-in user's notification centre and their choice of channels.

In-app messages are the user's own: every query here filters on `user=request.user`, so
another user's notification is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aduan.accounts.phone import code_medium
from aduan.accounts.views import set_language_cookie
from aduan.lib.paging import paginate
from aduan.lib.phones import PhoneField
from aduan.notifications.models import Notification
from aduan.notifications.outbox import sms_enabled, whatsapp_enabled

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.in_app_for(request.user).order_by("-created_at", "-id")
    page = paginate(rows, request.GET.get("page"), PAGE_SIZE)
    return render(request, "notifications/list.html", {"page": page})


def safe_target(request: HttpRequest, link: str) -> str | None:
    """Where a notification link may send the user: a path on this site, or None.

    Links are written as absolute URLs on ADUAN_SITE_URL (they also go out by email); a
    link to any other host is refused, so a stored link can never be an open redirect.
    """
    if not link:
        return None
    hosts = {request.get_host(), urlsplit(settings.ADUAN_SITE_URL).netloc}
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=hosts):
        return None
    parts = urlsplit(link)
    if not parts.path.startswith("/"):
        return None
    target = parts.path
    if parts.query:
        target += "?" + parts.query
    if parts.fragment:
        target += "#" + parts.fragment
    return target


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link (back to the list if it has none)."""
    notification = get_object_or_404(Notification.objects.in_app_for(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    target = safe_target(request, notification.link)
    return redirect(target or "notifications:list")


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.unread_for(request.user).update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


# --- Channel preferences --------------------------------------------------------------


class PreferencesForm(forms.Form):
    """Which outside channels carry a user's notifications; in the app is always on."""

    notify_by_email = forms.BooleanField(label=gettext_lazy("Email"), required=False)
    notify_by_whatsapp = forms.BooleanField(label=gettext_lazy("WhatsApp"), required=False)
    notify_by_sms = forms.BooleanField(label=gettext_lazy("SMS"), required=False)
    phone = PhoneField(
        label=gettext_lazy("Phone number"),
        required=False,
        help_text=gettext_lazy("Needed for WhatsApp and SMS."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=settings.LANGUAGES,
        required=False,  # left out: the account keeps its language
        help_text=gettext_lazy(
            "Of your emails, text messages and notifications, and of the pages once you sign in."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "notify_by_email": user.notify_by_email,
                "notify_by_whatsapp": user.notify_by_whatsapp,
                "notify_by_sms": user.notify_by_sms,
                "phone": user.phone,
                "language": user.language,
            },
        )
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["notify_by_email"].help_text = user.email
        # A channel the installation cannot send on is not offered at all.
        if not whatsapp_enabled():
            del self.fields["notify_by_whatsapp"]
        if not sms_enabled():
            del self.fields["notify_by_sms"]

    def clean(self):
        cleaned = super().clean()
        wants_phone = cleaned.get("notify_by_whatsapp") or cleaned.get("notify_by_sms")
        if wants_phone and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error(
                "phone",
                _("WhatsApp and SMS need a phone number. Add one, or untick WhatsApp and SMS."),
            )
        elif wants_phone and self.needs_verification(cleaned.get("phone", "")):
            self.add_error("phone", self.unverified_error(cleaned["phone"]))
        return cleaned

    def needs_verification(self, phone: str) -> bool:
        """Whether WhatsApp or SMS would be turned on, or kept on for a new number, that
        is not proven to be the user's: a typed number may be a stranger's. Choices kept
        from before verification existed stay, unsent until it is verified. A verified
        number unused for months (`holds_phone`) may be someone else's by now: what was
        chosen stays, what is turned on waits until it is confirmed again."""
        if phone == self.user.verified_phone and self.user.holds_verified_phone:
            return False
        turns_on = any(
            self.cleaned_data.get(name) and not getattr(self.user, name)
            for name in ("notify_by_whatsapp", "notify_by_sms")
        )
        return turns_on or phone != self.user.phone

    @staticmethod
    def unverified_error(phone: str) -> str:
        link = reverse("accounts:account") + "?" + urlencode({"telepon": phone}) + "#phone-heading"
        return format_html(
            '{} <a href="{}">{}</a>',
            _("WhatsApp and SMS go only to a verified number."),
            link,
            _("Verify it on your account page."),
        )

    def save(self) -> None:
        fields = ["notify_by_email", "phone", "language"]
        user = self.user
        user.notify_by_email = self.cleaned_data["notify_by_email"]
        user.phone = self.cleaned_data["phone"]
        user.language = self.cleaned_data["language"] or user.language
        for name in ("notify_by_whatsapp", "notify_by_sms"):
            if name in self.fields:
                setattr(user, name, self.cleaned_data[name])
                fields.append(name)
        user.save(update_fields=fields)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        # The pages follow the account's language, as after signing in.
        translation.activate(request.user.language)
        messages.success(request, _("Your notification settings are saved."))
        response = redirect("notifications:preferences")
        set_language_cookie(response, request.user.language)
        return response
    status = 400 if form.is_bound else 200
    user = request.user
    # Ticked before numbers were verified: kept, but nothing goes out until it is. Said
    # only where a code can be sent: without SMS and WhatsApp nothing goes out anyway.
    unsent = (
        (user.notify_by_whatsapp or user.notify_by_sms)
        and not user.verified_phone
        and bool(code_medium())
    )
    context = {"form": form, "phone_unsent": unsent}
    return render(request, "notifications/preferences.html", context, status=status)
