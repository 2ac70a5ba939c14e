"""Django admin for the system app: worker heartbeats, read-only diagnostics."""

from django.contrib import admin

from aduan.system.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Heartbeats are written by the workers themselves; the admin only shows them."""

    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at")
    search_fields = ("worker_id", "hostname")
    ordering = ("-seen_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
