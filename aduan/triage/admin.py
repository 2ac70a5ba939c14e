from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aduan.triage.models import TriageModel
from aduan.triage.training import UnusableModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "is_live", "trained_at", "n_samples", "metrics"]
    list_filter = ["kind", "is_live"]
    readonly_fields = [f.name for f in TriageModel._meta.fields]
    actions = ["make_live"]

    def has_add_permission(self, request) -> bool:
        return False  # models come from training, never typed in

    @admin.action(description=_("Make the selected model live"))
    def make_live(self, request, queryset):
        rows = list(queryset)
        if len({row.kind for row in rows}) != len(rows):
            self.message_user(request, _("Choose at most one model of each kind."), messages.ERROR)
            return
        try:
            for row in rows:
                row.check_loads()
        except UnusableModel as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        try:
            with transaction.atomic():  # all of them, or none when one was deleted meanwhile
                for row in rows:
                    row.make_live(check=False)
        except UnusableModel as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(count)d model is live.", "%(count)d models are live.", len(rows))
            % {"count": len(rows)},
        )
