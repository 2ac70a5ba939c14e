"""Background tasks of the accounts app (run by `manage.py run_worker`)."""

from django_tasks import task


@task()
def send_email_confirmation(user_pk: int) -> str:
    """Send the sign-up confirmation link; a retry sends it again (harmless)."""
    from aduan.accounts.confirmation import send_confirmation
    from aduan.accounts.models import User

    user = User.objects.filter(pk=user_pk, email_confirmed_at__isnull=True).first()
    if user is None:
        return "nothing to do"
    send_confirmation(user)
    return "sent"


@task()
def send_password_reset(user_pk: int) -> str:
    """Send a new-password link; a retry sends another link (each works once)."""
    from aduan.accounts.models import User
    from aduan.accounts.password_reset import send_reset

    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or not user.has_usable_password():
        return "nothing to do"
    send_reset(user)
    return "sent"


@task()
def send_email_change(user_pk: int, new_email: str) -> str:
    """Send the link that moves the account to `new_email`; a retry sends it again.
    When another account has the address, its owner is told instead (no link)."""
    from aduan.accounts.email_change import send_change_link, tell_taken_address
    from aduan.accounts.models import User

    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or user.email.lower() == new_email.lower():
        return "nothing to do"
    owner = User.objects.filter(email__iexact=new_email).first()
    if owner is not None:
        tell_taken_address(owner)
        return "taken"
    send_change_link(user, new_email)
    return "sent"


@task()
def send_email_changed_notice(user_pk: int, old_email: str) -> str:
    """Tell the account's former address that it changed."""
    from aduan.accounts.email_change import send_changed_notice
    from aduan.accounts.models import User

    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return "nothing to do"
    send_changed_notice(user, old_email)
    return "sent"


@task()
def send_password_changed_notice(user_pk: int) -> str:
    """Tell the account's address that its password was changed while signed in."""
    from aduan.accounts.models import User
    from aduan.accounts.password_reset import send_password_changed

    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return "nothing to do"
    send_password_changed(user)
    return "sent"


@task()
def send_sign_up_notice(user_pk: int) -> str:
    """Tell an account that someone tried to sign up with its address."""
    from aduan.accounts.models import User
    from aduan.accounts.signup import send_notice

    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return "nothing to do"
    send_notice(user)
    return "sent"
