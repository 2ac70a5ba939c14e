from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from aduan.accounts import phone, signup, two_factor
from aduan.accounts.confirmation import account_to_confirm, confirm
from aduan.accounts.email_change import (
    AddressTaken,
    change_to_confirm,
    confirm_change,
    moved_already,
    request_change,
)
from aduan.accounts.erasure import ErasureRefused, erase_account, refusal
from aduan.accounts.forms import (
    ChangePasswordForm,
    CurrentPasswordForm,
    DeleteAccountForm,
    EmailChangeForm,
    NameForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    PhoneCodeForm,
    PhoneNumberForm,
    SignInCodeForm,
    SignInForm,
    SignUpForm,
    TwoFactorForm,
)
from aduan.accounts.my_data import as_json
from aduan.accounts.password_reset import after_reset
from aduan.accounts.tasks import send_email_confirmation, send_password_changed_notice
from aduan.lib.ratelimits import limited
from aduan.lib.tasks import enqueue_with_transaction
from aduan.organizations.access import Access
from aduan.reports.models import Status


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    signing_in = None

    def get_default_redirect_url(self) -> str:
        # Officers sign in to work: without a `next`, their first page is the back office,
        # not the citizens' home page. An operator with no role in any organization (the
        # first superuser) would find the back office closed: theirs is the Django admin.
        user = self.signing_in or self.request.user
        if Access.of(user).is_staff:
            return reverse("workspace:inbox")
        if user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        user = form.get_user()
        self.signing_in = user
        if two_factor.is_on(user):
            # Not signed in yet: the code comes first (aduan.accounts.two_factor).
            two_factor.begin(
                self.request, user, self.get_success_url(), form.cleaned_data["username"]
            )
            return redirect("accounts:sign_in_code")
        return _signed_in(super().form_valid(form), user)


def _signed_in(response: HttpResponse, user) -> HttpResponse:
    # The account's language follows the person to any browser they sign in on.
    if user.language in dict(settings.LANGUAGES):
        set_language_cookie(response, user.language)
    return response


@limited("lookup")
def sign_in_code(request):
    """The second step of signing in: the authenticator app's code or a backup code."""
    state = two_factor.pending(request)
    if state is None:
        messages.info(request, _("Sign in again: the first step was too long ago."))
        return redirect("accounts:login")
    user, backend, next_url = state
    locked = two_factor.locked_out(request, user)
    if locked is not None:
        return get_lockout_response(request, credentials=locked)
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            two_factor.finish(request)
            login(request, user, backend=backend)
            otp_login(request, device)
            if device.name == two_factor.BACKUP_DEVICE:
                left = two_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code: %(count)d is left.",
                        "You used a backup code: %(count)d are left.",
                        left,
                    )
                    % {"count": left},
                )
            return _signed_in(redirect(next_url or settings.LOGIN_REDIRECT_URL), user)
        form.add_error(
            "code",
            _(
                "This code is not right or has expired. Type the code the app shows now, "
                "or a backup code. After several wrong codes, wait a little between tries."
            ),
        )
    status = 400 if form.is_bound else 200
    return render(request, "accounts/sign_in_code.html", {"form": form}, status=status)


class SignOutView(LogoutView):
    pass


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie the language switch sets (django.views.i18n.set_language)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch (Django's own view); for a signed-in user the choice is also
    kept on the account, whose emails and notifications are written in it."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        request.method == "POST"
        and user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and user.language != language
    ):
        user.language = language
        user.save(update_fields=["language"])
    return response


# The number typed at sign-up, for the next page's invitation to verify it.
SIGNED_UP_PHONE = "accounts.signed_up_phone"


@limited("lookup")
def sign_up(request):
    """The same answer whether or not an account has the address (see
    `aduan.accounts.signup`): the visitor is asked to check their email."""
    if request.user.is_authenticated:
        return redirect("portal:my_reports")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signup.sign_up(form, language=translation.get_language())
        request.session[SIGNED_UP_PHONE] = form.cleaned_data.get("phone", "")
        sent = reverse("accounts:signup_sent")
        onward = _safe_next(request)
        return redirect(f"{sent}?{urlencode({'next': onward})}" if onward else sent)
    return render(request, "accounts/signup.html", {"form": form})


def sign_up_sent(request):
    """After signing up: check the email. Says nothing about whether the address had an
    account; offers signing in (to the page the visitor came from)."""
    number = request.session.pop(SIGNED_UP_PHONE, "")
    context = {
        "next": _safe_next(request) or "",
        "invitation": _verify_invitation(number) if number and phone.code_medium() else "",
    }
    return render(request, "accounts/sign_up_sent.html", context)


def _verify_invitation(number: str) -> str:
    # A number typed at sign-up proves nothing (`aduan.accounts.phone`): said at once,
    # or the person waits for text messages that never come.
    return format_html(
        '{} <a href="{}">{}</a>',
        _(
            "Your number %(phone)s will receive WhatsApp and SMS updates only once you "
            "confirm it with a code we send to it."
        )
        % {"phone": number},
        reverse("accounts:account") + "#phone-heading",
        _("Confirm the number"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache  # a page of one person's link, holding a form token
@limited("lookup")
def confirm_email(request, token: str):
    """The link sent at sign-up: its page has a button, and only the button (a POST)
    confirms the address. Mail scanners open every link before the reader does
    (`aduan.accounts.confirmation`)."""
    user = (confirm if request.method == "POST" else account_to_confirm)(token)
    if user is None:
        raise Http404
    onward = "portal:my_reports" if request.user.is_authenticated else "accounts:login"
    if request.method == "POST":
        messages.success(request, _("Thank you: your email address is confirmed."))
        return redirect(onward)
    context = {"email": user.email, "confirmed": user.email_confirmed_at is not None}
    return render(request, "accounts/confirm_email.html", {**context, "onward": onward})


RESEND_EVERY_SECONDS = 10 * 60


@login_required
@require_POST
@limited("lookup")
def resend_confirmation(request):
    """Send the confirmation link again, to the account's own address only."""
    user = request.user
    if user.email_confirmed_at is not None:
        return redirect("portal:my_reports")
    # One email per account every few minutes, however often it is asked for: anyone
    # can sign up with someone else's address.
    if cache.add(f"aduan:confirmation-resent:{user.pk}", True, RESEND_EVERY_SECONDS):
        enqueue_with_transaction(lambda: send_email_confirmation.enqueue(user.pk))
        messages.success(request, _("We sent the link again to %(email)s.") % {"email": user.email})
    else:
        messages.info(
            request,
            _(
                "A link was sent to %(email)s a few minutes ago: look for it in the inbox "
                "and the spam folder."
            )
            % {"email": user.email},
        )
    return redirect("portal:my_reports")


def _safe_next(request) -> str | None:
    """?next= when it is a path on this site (as the sign-in page checks it), else None:
    a link from elsewhere must not send a new account off-site."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else None


# --- A forgotten password (aduan.accounts.password_reset) -------------------------------


@method_decorator(limited("lookup"), name="dispatch")
class PasswordResetRequestView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_request.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


@method_decorator(limited("lookup"), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, request, *args, **kwargs):
        owner = self.get_user(kwargs.get("uidb64", ""))
        if request.user.is_authenticated and owner is not None and owner.pk != request.user.pk:
            # Someone else's link in a signed-in browser: setting that password here
            # would be done under this user's session, by whoever holds the link.
            return render(request, "accounts/password_reset_other_account.html", status=403)
        response = super().dispatch(request, *args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 404  # used, expired, cut short or made up
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        after_reset(form.user)
        if self.request.user.is_authenticated:
            # Their own account: stay signed in here; every other session ends.
            update_session_auth_hash(self.request, form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- The account's own page: name, address, password, a copy of the data, deletion -----


@login_required
def account(request):
    form = NameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your name is saved."))
        return redirect("accounts:account")
    return _account_page(request, form, None, status=400 if form.is_bound else 200)


def _account_page(request, name_form, phone_form, *, status: int) -> HttpResponse:
    user = request.user
    if phone_form is None:
        # A number typed on the notification settings, carried here to be verified.
        typed = request.GET.get("telepon", "")[:30]
        phone_form = PhoneNumberForm(initial={"phone": typed or user.phone})
    context = {
        "form": name_form or NameForm(instance=user),
        "phone_form": phone_form,
        "can_verify_phone": bool(phone.code_medium()),
        "refusal": refusal(user),
        "two_factor_on": two_factor.is_on(user),
    }
    return render(request, "accounts/account.html", context, status=status)


# --- The account's phone number (aduan.accounts.phone) ----------------------------------


@login_required
@require_POST
@limited("lookup")
def phone_number(request):
    """Store the number typed and send a code to it; an empty one removes the number."""
    user = request.user
    form = PhoneNumberForm(request.POST)
    if not form.is_valid():
        return _account_page(request, None, form, status=400)
    number = form.cleaned_data["phone"]
    phone.change_number(user, number)
    if not number:
        messages.success(request, _("The phone number is removed from your account."))
        return redirect("accounts:account")
    if user.phone_verified_at and user.holds_verified_phone:
        messages.info(request, _("This number is already verified."))
        return redirect("accounts:account")
    # A verified number unused for months is confirmed again (`holds_phone`).
    if not phone.code_medium():
        messages.info(
            request,
            _(
                "The number is saved. This service sends no text messages, so it cannot be "
                "verified."
            ),
        )
        return redirect("accounts:account")
    if phone.too_many_wrong_codes(request, number):
        messages.error(request, _too_many_wrong_codes())
        return redirect("accounts:account")
    if phone.too_many_sends(request, user, number):
        messages.error(
            request,
            _("Too many codes were sent for this account or number. Try again in an hour."),
        )
        return redirect("accounts:account")
    phone.send_code(user, request.POST.get("by", ""))
    messages.success(request, _("We sent a code to %(phone)s.") % {"phone": number})
    return redirect("accounts:phone_code")


@login_required
@limited("lookup")
def phone_code(request):
    """The code sent to the account's number, typed back: the number is verified."""
    user = request.user
    if request.method != "POST" and not phone.code_pending(user):
        return redirect("accounts:account")
    form = PhoneCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if phone.too_many_wrong_codes(request, user.phone):
            messages.error(request, _too_many_wrong_codes())
            return redirect("accounts:account")
        checked, attached = phone.check_code(user, form.cleaned_data["code"])
        if checked is phone.Checked.VERIFIED:
            messages.success(request, _("Your phone number is verified."))
            if attached:
                messages.info(request, _attached_message(attached))
            return redirect("accounts:account")
        if checked is phone.Checked.EXPIRED:
            messages.error(
                request,
                _(
                    "This code no longer works: it expired, or was typed wrong too many "
                    "times. Ask for a new one."
                ),
            )
            return redirect("accounts:account")
        phone.too_many_wrong_codes(request, user.phone, count=True)
        form.add_error("code", _("This code is not right. Check the message and type it again."))
    status = 400 if form.is_bound else 200
    context = {
        "form": form,
        "phone": user.phone,
        "minutes": phone.CODE_LIFETIME.seconds // 60,
        "sms_offered": phone.sms_offered(),
    }
    response = render(request, "accounts/phone_code.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _too_many_wrong_codes() -> str:
    return _("Too many wrong codes were typed for this number today. Try again tomorrow.")


def _attached_message(count: int) -> str:
    return ngettext(
        "%(count)d report you sent from this number by SMS or WhatsApp is now in your "
        "account, under My reports.",
        "%(count)d reports you sent from this number by SMS or WhatsApp are now in your "
        "account, under My reports.",
        count,
    ) % {"count": count}


@login_required
@limited("lookup")
def email_change(request):
    form = EmailChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        if request_change(request.user, new_email):
            messages.success(
                request,
                _(
                    "We sent a link to %(email)s. The account uses the new address once "
                    "the button on the link's page is pressed; until then it keeps the "
                    "present one."
                )
                % {"email": new_email},
            )
        else:
            messages.info(
                request,
                _("A link was sent a few minutes ago: wait for it, or try again later."),
            )
        return redirect("accounts:account")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/email_change.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@limited("lookup")
def email_change_confirm(request, token: str):
    """The link sent to the new address: its page says what will change, and only its
    button (a POST) moves the account (`aduan.accounts.email_change`)."""
    onward = "accounts:account" if request.user.is_authenticated else "accounts:login"
    try:
        if request.method != "POST":
            pending = change_to_confirm(token)
            if pending is None:
                return _moved_already(request, token, onward)
            return render(request, "accounts/email_change_confirm.html", {"email": pending[1]})
        changed = confirm_change(token)
    except AddressTaken:
        messages.error(request, _("Another account has this address now: choose another one."))
        return redirect(onward)
    if changed is None:
        return _moved_already(request, token, onward)
    return _moved(request, changed[0], onward)


def _moved_already(request, token: str, onward: str) -> HttpResponse:
    # A second press of the button (a double click: the browser shows the second answer)
    # or the link opened again: the account uses the address, said as the first press
    # said it, not a "page not found" for a change that worked. Any other link that
    # cannot work is a 404.
    user = moved_already(token)
    if user is None:
        raise Http404
    return _moved(request, user, onward)


def _moved(request, user, onward: str) -> HttpResponse:
    messages.success(
        request,
        _("Your account now uses %(email)s. Sign in with it from now on.") % {"email": user.email},
    )
    return redirect(onward)


@login_required
@limited("lookup")
def password_change(request):
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Signed in here still; every other session of the account ends.
        update_session_auth_hash(request, user)
        enqueue_with_transaction(lambda: send_password_changed_notice.enqueue(user.pk))
        messages.success(request, _("Your new password is saved."))
        return redirect("accounts:account")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@login_required
@require_POST
@limited("lookup")
def sign_out_elsewhere(request):
    """End every other session of the account (a phone lost, a shared computer left
    signed in) with the password: saved again with a new salt, it voids every session
    bound to the old hash; this one carries on."""
    form = CurrentPasswordForm(request.POST, user=request.user, request=request)
    if not form.is_valid():
        messages.error(request, _("This is not the account's password."))
        return redirect("accounts:account")
    user = request.user
    user.set_password(form.cleaned_data["password"])
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    messages.success(request, _("Every other device is signed out; this one stays signed in."))
    return redirect("accounts:account")


@login_required
@limited("lookup")
def my_data(request):
    """A copy of everything the installation holds about the account (JSON)."""
    form = CurrentPasswordForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        response = HttpResponse(as_json(request.user), content_type="application/json")
        name = f"aduan-data-saya-{timezone.localdate():%Y%m%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        patch_cache_control(response, private=True, no_store=True)
        return response
    status = 400 if form.is_bound else 200
    return render(request, "accounts/my_data.html", {"form": form}, status=status)


@login_required
@limited("lookup")
def delete_account(request):
    user = request.user
    reason = refusal(user)
    form = DeleteAccountForm(request.POST or None, user=user, request=request)
    if request.method == "POST" and not reason and form.is_valid():
        try:
            erase_account(user)
        except ErasureRefused as refused:
            messages.error(request, str(refused))
            return redirect("accounts:account")
        logout(request)
        messages.success(
            request,
            _(
                "Your account is deleted. Your reports stay as public-service records, "
                "without your name or contact details."
            ),
        )
        return redirect("portal:home")
    context = {
        "form": form,
        "refusal": reason,
        "open_reports": user.reports.exclude(
            status__in=[Status.COMPLETED, Status.CLOSED, Status.ARCHIVED]
        ).count(),
        "reports": user.reports.count(),
        "forwarded": user.reports.filter(forwardings__isnull=False).distinct().count(),
    }
    status = 403 if reason and form.is_bound else 400 if form.is_bound else 200
    return render(request, "accounts/delete.html", context, status=status)


@login_required
@limited("lookup")
def two_factor_page(request):
    """Turning two-step sign-in on (scan, then type a code), making new backup codes,
    turning it off (not where the installation requires it)."""
    user = request.user
    action = request.POST.get("action", "")
    required = two_factor.is_required_of(user)
    form = TwoFactorForm(
        request.POST or None, user=user, request=request, action=action, required=required
    )
    context = {"form": form, "is_on": two_factor.is_on(user), "required": required}
    if request.method == "POST" and form.is_valid():
        if action == "turn_on" and not context["is_on"]:
            confirmed = two_factor.confirm_app(user, two_factor.pending_app(user), form.typed_code)
            if confirmed is None:
                form.add_error("code", _("This code is not right: type the one the app shows now."))
            else:
                device, codes = confirmed
                # Every other session of the account was signed in with the password
                # alone: the same password with a new salt ends them (a session is bound
                # to the password's hash), and this one carries on.
                user.set_password(form.cleaned_data["password"])
                user.save(update_fields=["password"])
                update_session_auth_hash(request, user)
                otp_login(request, device)  # this session counts as signed in with a code
                return _show_codes(request, codes, _("Two-step sign-in is on."))
        elif action == "new_codes" and context["is_on"]:
            return _show_codes(request, two_factor.new_backup_codes(user), "")
        elif action == "turn_off" and context["is_on"] and not context["required"]:
            two_factor.turn_off(user)
            messages.success(request, _("Two-step sign-in is off."))
            return redirect("accounts:account")
    if not context["is_on"]:
        device = two_factor.pending_app(user)
        context["qr"] = two_factor.qr_svg(device)
        # A phone cannot scan its own screen: the same otpauth:// link opens the app.
        context["setup_url"] = device.config_url
        context["secret"] = two_factor.secret_for_typing(device)
    else:
        context["codes_left"] = two_factor.backup_codes_left(user)
    status = 400 if form.is_bound else 200
    response = render(request, "accounts/two_factor.html", context, status=status)
    # The app's secret is on the page: a shared computer's browser must not keep it.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _show_codes(request, codes: list[str], message: str) -> HttpResponse:
    if message:
        messages.success(request, message)
    response = render(request, "accounts/backup_codes.html", {"codes": codes})
    patch_cache_control(response, private=True, no_store=True)
    return response
