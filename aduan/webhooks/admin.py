"""Django admin for connected instances (uplinks) and a read-only window on webhook calls.

Uplinks are set up by the IT staff who run the installation (here or with
`manage.py connect_uplink`): they hold the key another instance issued and the secret it
signs its webhooks with. Webhook endpoints are managed by admins in the back office
(`/kantor/webhook/`); deliveries and forwardings are written only by the code that sends
them, so the admin only shows them.
"""

from django.contrib import admin

from aduan.webhooks.models import (
    Forwarding,
    RemoteFile,
    Uplink,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(Uplink)
class UplinkAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "organization", "base_url", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "base_url")
    raw_id_fields = ("organization",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("description", "organization", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "endpoint", "state", "attempts", "last_status_code", "created_at")
    list_filter = ("state", "event_type")
    list_select_related = ("endpoint",)


@admin.register(Forwarding)
class ForwardingAdmin(ReadOnlyAdmin):
    list_display = (
        "report",
        "uplink",
        "state",
        "remote_code",
        "remote_status",
        "erasure",
        "created_at",
    )
    list_filter = ("state", "erasure", "uplink")
    list_select_related = ("report", "uplink")


@admin.register(RemoteFile)
class RemoteFileAdmin(ReadOnlyAdmin):
    list_display = ("name", "forwarding", "state", "attempts", "last_error", "created_at")
    list_filter = ("state",)
    list_select_related = ("forwarding__report", "forwarding__uplink")
