from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "aduan.channels"
    label = "intake_channels"
    verbose_name = _("Channels")
