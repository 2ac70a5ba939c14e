from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "aduan.channels"
    label = "intake_channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from anymail.signals import inbound

        from aduan.channels.email import receive_email

        inbound.connect(receive_email, dispatch_uid="aduan.channels.email")
