from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aduan.accounts.confirmation import confirm
from aduan.accounts.forms import SignInForm, SignUpForm
from aduan.accounts.tasks import send_email_confirmation
from aduan.lib.ratelimits import limited
from aduan.lib.tasks import enqueue_with_transaction


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    pass


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("portal:my_reports")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        enqueue_with_transaction(lambda: send_email_confirmation.enqueue(user.pk))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome! Your account is ready. We sent a link to %(email)s to confirm the address.")
            % {"email": user.email},
        )
        return redirect(_safe_next(request) or "portal:my_reports")
    return render(request, "accounts/signup.html", {"form": form})


@require_GET
@limited("lookup")
def confirm_email(request, token: str):
    """The link sent at sign-up: the account's address is confirmed."""
    user = confirm(token)
    if user is None:
        raise Http404
    messages.success(request, _("Thank you: your email address is confirmed."))
    return redirect("portal:my_reports" if request.user.is_authenticated else "accounts:login")


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
