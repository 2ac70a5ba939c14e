from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "aduan.portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(forget_confirmation, dispatch_uid="portal.forget_confirmation")


def forget_confirmation(sender, request, user, **kwargs) -> None:
    """A sign-in keeps the session's data: the confirmation of a guest's report sent just
    before (with its private link), and the browser's standing as that report's reporter,
    must not follow into someone's account at a shared computer."""
    from aduan.portal.views import SESSION_REPORTER_OF, SESSION_SUBMITTED

    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_SUBMITTED, None)
        request.session.pop(SESSION_REPORTER_OF, None)
