"""The working-day calendar page: the national days off of a year and this installation's
corrections, which national admins change when the government announces cuti bersama.

Every officer may look (handlers need to know which days count); only national admins
change it. Signed-out visitors are sent to sign in; signed-in users without a membership
get 403, as everywhere in the back office.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aduan.deadlines import calendar
from aduan.deadlines.models import CalendarDay
from aduan.deadlines.tasks import correct_calendar
from aduan.organizations.access import Access
from aduan.workspace.guards import requires
from aduan.workspace.views import staff_required

FIRST_DAY = datetime.date(calendar.FIRST_YEAR, 1, 1)
LAST_DAY = datetime.date(calendar.LAST_YEAR, 12, 31)


def _day_label(day: datetime.date) -> str:
    return formats.date_format(day, "l, j F Y")


class CorrectionForm(forms.ModelForm):
    """One correction; the view decides whether it adds a day off or a working day."""

    class Meta:
        model = CalendarDay
        fields = ["date", "name"]
        widgets = {
            "date": forms.DateInput(
                attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()},
                format="%Y-%m-%d",
            )
        }
        error_messages = {
            "date": {"required": gettext_lazy("Choose a date.")},
            "name": {
                "required": gettext_lazy("Describe the day, for example “Cuti bersama Idul Fitri”.")
            },
        }

    def __init__(self, *args, is_working_day: bool, **kwargs):
        prefix = "working" if is_working_day else "off"
        kwargs.setdefault("auto_id", f"id_{prefix}_%s")
        super().__init__(*args, **kwargs)
        self.instance.is_working_day = is_working_day
        self.fields["name"].label = _("Description")
        self.fields["name"].help_text = (
            _("For example “Cuti bersama dibatalkan (SKB 3 Menteri)”.")
            if is_working_day
            else _("For example “Cuti bersama Idul Fitri” or “Hari libur daerah”.")
        )

    def validate_unique(self):
        # clean_date already explains a taken date better than the generic message.
        pass

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        if not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": calendar.FIRST_YEAR, "last": calendar.LAST_YEAR}
            )
        taken = CalendarDay.objects.filter(date=day).first()
        if taken is not None:
            raise forms.ValidationError(
                _("%(day)s already has a correction (“%(name)s”). Remove it first to change it.")
                % {"day": _day_label(day), "name": taken.name}
            )
        national = calendar.WorkingCalendar()
        if self.instance.is_working_day and national.is_working_day(day):
            raise forms.ValidationError(
                _("%(day)s is already a working day.") % {"day": _day_label(day)}
            )
        if not self.instance.is_working_day and not national.is_working_day(day):
            reason = national.holidays(day.year, get_language()).get(day) or _("weekend")
            raise forms.ValidationError(
                _("%(day)s is already a day off: %(reason)s.")
                % {"day": _day_label(day), "reason": reason}
            )
        return day


@dataclass
class NationalDay:
    date: datetime.date
    name: str
    is_collective_leave: bool
    is_weekend: bool
    correction: CalendarDay | None


def _year_of(request) -> int:
    raw = request.GET.get("year")
    if raw is None:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        raise Http404("No such year") from None
    if not calendar.FIRST_YEAR <= year <= calendar.LAST_YEAR:
        raise Http404("The calendar covers 2000–2100")
    return year


def _render_calendar(request, year: int, *, bound: dict | None = None, status: int = 200):
    corrections = list(
        CalendarDay.objects.filter(date__year=year).select_related("created_by").order_by("date")
    )
    by_date = {c.date: c for c in corrections}
    leave = calendar.collective_leave(year)
    national_days = [
        NationalDay(day, name, day in leave, day.weekday() >= 5, by_date.get(day))
        for day, name in sorted(calendar.WorkingCalendar().holidays(year, get_language()).items())
    ]
    working_days = calendar.current().working_days_in(
        datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    )
    can_change = Access.of(request.user).is_national_admin
    forms_ = {
        "day_off_form": CorrectionForm(is_working_day=False) if can_change else None,
        "working_day_form": CorrectionForm(is_working_day=True) if can_change else None,
    }
    forms_.update(bound or {})
    context = {
        "year": year,
        "previous_year": year - 1 if year > calendar.FIRST_YEAR else None,
        "next_year": year + 1 if year < calendar.LAST_YEAR else None,
        "this_year": timezone.localdate().year,
        "national_days": national_days,
        "corrections": corrections,
        "working_days": working_days,
        "can_change": can_change,
        "year_query": f"?year={year}",
        **forms_,
    }
    return render(request, "workspace/calendar.html", context, status=status)


@staff_required
def calendar_page(request):
    return _render_calendar(request, _year_of(request))


national_admin_required = requires(
    lambda access: access.is_national_admin,
    gettext_lazy("Only national admins change the working-day calendar."),
)


def _back_to(year: int):
    return redirect(reverse("workspace:calendar") + f"?year={year}")


def _add_correction(request, *, is_working_day: bool):
    form = CorrectionForm(request.POST, is_working_day=is_working_day)
    key = "working_day_form" if is_working_day else "day_off_form"
    shown_year = _year_of(request)
    if form.is_valid():
        form.instance.created_by = request.user
        try:
            correction = correct_calendar(form.save, {form.cleaned_data["date"]: None})
        except IntegrityError:
            # Someone saved the same date between our check and our insert.
            form.add_error("date", _("This date already has a correction."))
        else:
            values = {"day": _day_label(correction.date), "name": correction.name}
            if is_working_day:
                messages.success(request, _("%(day)s is now a working day (%(name)s).") % values)
            else:
                messages.success(request, _("%(day)s is now a day off (%(name)s).") % values)
            return _back_to(correction.date.year)
    return _render_calendar(request, shown_year, bound={key: form}, status=400)


@require_POST
@national_admin_required
def calendar_day_off(request):
    """Add a day off to this installation's calendar (e.g. newly announced cuti bersama)."""
    return _add_correction(request, is_working_day=False)


@require_POST
@national_admin_required
def calendar_working_day(request):
    """Make a national day off a working day after all (e.g. cancelled cuti bersama)."""
    return _add_correction(request, is_working_day=True)


@require_POST
@national_admin_required
def calendar_delete(request, pk: int):
    correction = get_object_or_404(CalendarDay, pk=pk)
    correct_calendar(correction.delete, {correction.date: correction.is_working_day})
    messages.success(
        request,
        _("The correction for %(day)s was removed; the national calendar applies again.")
        % {"day": _day_label(correction.date)},
    )
    return _back_to(correction.date.year)
