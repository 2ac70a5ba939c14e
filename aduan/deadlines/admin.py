"""Django admin for deadlines: calendar corrections, and a read-only window on the clocks.

Deadline rows are written only by `deadlines.clocks.follow` and claimed by the scan; an
edit here would desynchronise them from `Report.due_at`, so the admin only shows them.
National admins normally correct the calendar on the back office's calendar page; this
admin is the superuser's fallback for the same rows.
"""

from django.contrib import admin

from aduan.deadlines.models import CalendarDay, Deadline
from aduan.deadlines.tasks import correct_calendar


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "name", "created_by", "created_at")
    list_filter = ("is_working_day",)
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("date", "is_working_day", "name", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    list_select_related = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        previous = CalendarDay.objects.filter(pk=obj.pk).first() if change else None
        # The day's value before the edit, and the day left behind if the date moved.
        changed = {obj.date: previous.is_working_day if previous else None}
        if previous and previous.date != obj.date:
            changed = {obj.date: None, previous.date: previous.is_working_day}
        correct_calendar(
            lambda: super(CalendarDayAdmin, self).save_model(request, obj, form, change), changed
        )

    def delete_model(self, request, obj):
        changed = {obj.date: obj.is_working_day}
        correct_calendar(lambda: super(CalendarDayAdmin, self).delete_model(request, obj), changed)

    def delete_queryset(self, request, queryset):
        changed = dict(queryset.values_list("date", "is_working_day"))
        correct_calendar(
            lambda: super(CalendarDayAdmin, self).delete_queryset(request, queryset), changed
        )


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = (
        "report",
        "clock",
        "organization",
        "started_at",
        "due_at",
        "reminded_at",
        "overdue_at",
        "stopped_at",
        "outcome",
    )
    list_filter = ("clock", "outcome")
    search_fields = ("=report__tracking_code",)
    list_select_related = ("report", "organization")
    raw_id_fields = ("report", "organization")
    date_hierarchy = "due_at"
    show_full_result_count = False  # one row per clock per report: a big table

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
