"""Back-office forms: inbox filters, one form per report action, manual entry, templates.

Action forms only collect and validate input; the lifecycle functions they call decide
whether the action is allowed and change the report.
"""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.channels.intake import Draft
from aduan.lib import dates
from aduan.lib.phones import PhoneField
from aduan.organizations.access import Access, units_without_liaison
from aduan.organizations.forms import CategoryChoiceField, RegionField
from aduan.organizations.models import (
    Category,
    Organization,
    ResponseTemplate,
)
from aduan.reports import lifecycle
from aduan.reports.codes import normalize_tracking_code, secret_from_token, token_reference
from aduan.reports.lifecycle import Action, ArchiveReason, ReceivedVia
from aduan.reports.models import MANUAL_CHANNELS, Channel, Kind, Report, Status, Tier
from aduan.reports.uploads import FilesMixin, MultipleFileField
from aduan.webhooks.models import Uplink
from aduan.workspace.queries import (
    administered_by,
    administered_organizations,
    visible_organizations,
)

ANY = [("", _("Any"))]


class IndentedOrganizationField(forms.ModelChoiceField):
    """An organization <select> whose options are indented by their depth in the tree;
    units in `unstaffed` (ids) are marked as having no liaison officer."""

    unstaffed: frozenset[int] = frozenset()

    def label_from_instance(self, obj: Organization) -> str:
        label = "\u00a0\u00a0\u00a0" * (obj.depth - 1) + obj.name
        if obj.pk in self.unstaffed:
            label += " — " + str(_("no liaison officer"))
        return label


def _text(label, *, required: bool = True, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


# --- Inbox --------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=ANY + Status.choices, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ANY + Kind.choices, required=False)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
        empty_label=_("Any"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=ANY + Channel.choices, required=False)
    organization = IndentedOrganizationField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any"),
    )
    in_charge = forms.ChoiceField(
        label=_("Officer in charge"),
        choices=ANY + [("me", _("Me")), ("nobody", _("Nobody yet"))],
        required=False,
    )

    def __init__(self, *args, access: Access, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["q"].widget.input_type = "search"
        self.fields["organization"].queryset = visible_organizations(access)

    def filters(self) -> dict:
        """The valid filters; an invalid one is dropped (its error shows on the form)."""
        self.is_valid()
        found = {k: v for k, v in self.cleaned_data.items() if v}
        in_charge = found.pop("in_charge", "")
        if in_charge == "me" and self.user is not None:
            found["officer"] = self.user
        elif in_charge == "nobody":
            found["unassigned"] = True
        return found


# --- Report actions -----------------------------------------------------------------


def _files(help_text) -> MultipleFileField:
    return MultipleFileField(
        label=_("Photos or documents (optional)"), required=False, help_text=help_text
    )


class ActionForm(forms.Form):
    """Base of every report-action form: carries the report version the user saw."""

    action: str = ""
    heading = ""
    submit_label = _("Save")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, *, report: Report, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(data, **kwargs)
        self.report = report
        self.user = user
        self.fields["version"].initial = report.version

    def perform(self, actor: lifecycle.Actor):
        raise NotImplementedError


# A suggestion is preselected only when it is more likely right than wrong (its confidence
# is the chance of being right, see aduan.triage.classifier.ConfidenceMap).
PRESELECT_CONFIDENCE = 0.5


class DispatchForm(ActionForm):
    """Dispatch, with the triage suggestions: the best is preselected, and each one has
    its own button (`accept`) that dispatches to it in one click."""

    action = Action.DISPATCH
    heading = _("Verify and dispatch")
    submit_label = _("Dispatch")
    organization = IndentedOrganizationField(
        label=_("Dispatch to"), queryset=Organization.objects.none()
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
        empty_label=_("Keep the current category"),
    )
    tier = forms.ChoiceField(
        label=_("Handling tier"),
        choices=[("", _("Keep the current tier"))] + Tier.choices,
        required=False,
    )
    message = _text(_("Message with the dispatch (public, optional)"), required=False)
    message.help_text = _(
        "Shown on the report's public timeline with the dispatch. Write instructions only "
        "the handlers should read as an internal note."
    )

    def __init__(self, *args, **kwargs):
        from aduan.triage.suggest import dispatch_targets, suggest_categories, suggest_for_targets

        super().__init__(*args, **kwargs)
        access = Access.of(self.user)
        targets = dispatch_targets(access, self.report).order_by("path")
        self.fields["organization"].queryset = targets
        if not self.is_bound:
            self.fields["organization"].unstaffed = frozenset(units_without_liaison(targets))
        self.suggestions = []
        self.category_suggestions = []
        if self.is_bound:
            return
        self.category_suggestions = suggest_categories(self.report)
        self.suggestions = suggest_for_targets(
            self.report,
            targets,
            agencies_only=access.is_national_admin,
            categories=self.category_suggestions,
        )
        likeliest = self.category_suggestions[0] if self.category_suggestions else None
        fair = likeliest and likeliest.confidence >= PRESELECT_CONFIDENCE
        if fair and self.report.category_id is None:
            self.initial["category"] = likeliest.target.pk
        best = self.suggestions[0] if self.suggestions else None
        # A guess is preselected only when it is a fair one (or the admins' own rule).
        if best and (best.confidence is None or best.confidence >= PRESELECT_CONFIDENCE):
            self.initial["organization"] = best.target.pk
            self.fields["organization"].help_text = _("Preselected: %(name)s (%(source)s).") % {
                "name": best.target.name,
                "source": best.source_label,
            }

    def clean(self):
        """A suggestion's button posts `accept` (not a form field: a hidden input of the
        same name would shadow the button's value); it wins over the list."""
        data = super().clean()
        accepted = self.data.get("accept")
        if accepted:
            field = self.fields["organization"]
            try:
                data["organization"] = field.clean(accepted)
            except forms.ValidationError as exc:
                self.add_error("organization", exc)
            else:
                self.errors.pop("organization", None)
        return data

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.dispatch(
            self.report,
            actor,
            data["organization"],
            message=data["message"],
            tier=data["tier"] or None,
            category=data.get("category"),
        )


UNREACHABLE_REPORTER = _(
    "The reporter will not receive this question: their contact is not confirmed. Call "
    "them, then record their answer here."
)
# With no number to call (or none that may be shown: an anonymous reporter).
UNREACHABLE_UNCALLABLE = _(
    "The reporter will not receive this question until they confirm their address or "
    "open their private link: their contact is not confirmed."
)


def reporter_phone(report) -> str:
    return report.reporter.phone if report.reporter_id else report.guest_phone


class HoldForm(FilesMixin, ActionForm):
    action = Action.HOLD
    heading = _("Ask the reporter for missing information")
    submit_label = _("Put the report on hold")
    message = _text(_("Question for the reporter (public)"))
    attachments = _files(_("A form to fill in or an example, sent with the question."))

    def __init__(self, *args, **kwargs):
        from aduan.notifications.outbox import reporter_of

        super().__init__(*args, **kwargs)
        if not reporter_of(self.report, confirmed_only=True):
            callable_ = not self.report.is_anonymous and bool(reporter_phone(self.report))
            self.fields["message"].help_text = (
                UNREACHABLE_REPORTER if callable_ else UNREACHABLE_UNCALLABLE
            )

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.hold(self.report, actor, data["message"], files=data["attachments"])


class ArchiveForm(ActionForm):
    action = Action.ARCHIVE
    heading = _("Archive")
    submit_label = _("Archive")
    # No reason is preselected: the officer chooses one.
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—")] + [c for c in ArchiveReason.choices if c[0] != ArchiveReason.DUPLICATE],
    )
    message = _text(_("Explanation for the reporter"))
    confirm = forms.BooleanField(
        label=_(
            "Archive this report: it leaves every work queue, the explanation is sent to "
            "the reporter, and it cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm archiving.")},
    )

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.archive(self.report, actor, data["reason"], data["message"])


class MarkDuplicateForm(ActionForm):
    action = Action.MARK_DUPLICATE
    heading = _("Mark as duplicate")
    submit_label = _("Mark as duplicate")
    original = forms.CharField(
        label=_("Tracking code of the original report"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    # Archiving as a duplicate cannot be undone: the officer confirms having compared.
    confirm = forms.BooleanField(
        label=_(
            "I compared both reports: they are about the same problem. This report will be "
            "archived as a duplicate, which cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm that this is a duplicate.")},
    )

    def clean_original(self) -> Report:
        code = normalize_tracking_code(self.cleaned_data["original"])
        original = (
            Report.objects.visible_to(self.user)
            .filter(tracking_code=code)
            .exclude(pk=self.report.pk)
            .first()
            if code
            else None
        )
        if original is None:
            raise forms.ValidationError(
                _("No other report with this tracking code is visible to you.")
            )
        return original

    def perform(self, actor):
        return lifecycle.mark_duplicate(self.report, actor, self.cleaned_data["original"])


class SetFlagsForm(ActionForm):
    action = Action.SET_FLAGS
    heading = _("Privacy")
    submit_label = _("Turn on")
    is_anonymous = forms.BooleanField(
        label=_("Anonymous: hide the reporter's identity from every organization"),
        required=False,
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential: never show this report in public"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("is_anonymous", "is_confidential"):
            if getattr(self.report, name):
                del self.fields[name]

    @property
    def has_choices(self) -> bool:
        return "is_anonymous" in self.fields or "is_confidential" in self.fields

    def clean(self):
        data = super().clean()
        if not (data.get("is_anonymous") or data.get("is_confidential")):
            raise forms.ValidationError(_("Choose a privacy flag to turn on."))
        return data

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.set_flags(
            self.report,
            actor,
            anonymous=bool(data.get("is_anonymous")),
            confidential=bool(data.get("is_confidential")),
        )


class CorrectFlagsForm(ActionForm):
    """Correct the flags read from the text: a false alarm leaves the top of the queues,
    a missed emergency joins it."""

    action = Action.CORRECT_FLAGS
    heading = _("Urgency and abusive language")
    submit_label = _("Save the flags")
    is_urgent = forms.BooleanField(
        label=_("Urgent: list it first in the work queues"), required=False
    )
    is_abusive = forms.BooleanField(label=_("Abusive language"), required=False)
    reason = _text(_("Why (internal, shown with the flag)"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_urgent"].initial = self.report.is_urgent
        self.fields["is_abusive"].initial = self.report.is_abusive

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.correct_flags(
            self.report,
            actor,
            data["reason"],
            urgent=bool(data.get("is_urgent")),
            abusive=bool(data.get("is_abusive")),
        )


PUBLIC_FILES_HINT = _("Shown with the response on the public page (not for confidential reports).")


class RespondForm(FilesMixin, ActionForm):
    action = Action.RESPOND
    heading = _("Public response")
    submit_label = _("Send response")
    uses_templates = True
    message = _text(_("Response (public)"), rows=6)
    attachments = _files(PUBLIC_FILES_HINT)

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.respond(self.report, actor, data["message"], files=data["attachments"])


class CompleteForm(FilesMixin, ActionForm):
    action = Action.COMPLETE
    heading = _("Complete")
    submit_label = _("Complete the report")
    uses_templates = True
    message = _text(_("Final response (public)"), rows=6)
    attachments = _files(PUBLIC_FILES_HINT)

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.complete(self.report, actor, data["message"], files=data["attachments"])


class NoteForm(FilesMixin, ActionForm):
    action = Action.NOTE
    heading = _("Internal note")
    submit_label = _("Add note")
    message = _text(_("Note (only staff see it)"), rows=3)
    attachments = _files(_("Only staff see them."))

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.add_note(self.report, actor, data["message"], files=data["attachments"])


class AssignForm(ActionForm):
    """Who of the organization holding the report is in charge of it; `take` (the
    "Assign to me" button) puts the user themselves in charge."""

    action = Action.ASSIGN
    heading = _("Officer in charge")
    submit_label = _("Save")
    officer = forms.ModelChoiceField(
        label=_("Officer in charge"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        officers = lifecycle.assignable_officers(self.report)
        if not Access.of(self.user).can_administer(self.report.organization):
            officers = officers.filter(pk=self.user.pk)  # an admin chooses a colleague
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: user.full_name or user.email
        self.initial.setdefault("officer", self.report.assigned_to_id)
        self.may_take = self.report.assigned_to_id != self.user.pk and any(
            officer.pk == self.user.pk for officer in officers
        )

    def clean(self):
        data = super().clean()
        if self.data.get("take"):
            data["officer"] = self.user
            self.errors.pop("officer", None)
        return data

    def perform(self, actor):
        return lifecycle.assign(self.report, actor, self.cleaned_data["officer"])


class NotOurRemitForm(FilesMixin, ActionForm):
    action = Action.NOT_OUR_REMIT
    heading = _("Not our remit")
    submit_label = _("Send back")
    message = _text(_("Reason"), rows=3)
    attachments = _files(_("Only staff see them."))

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.not_our_remit(
            self.report, actor, data["message"], files=data["attachments"]
        )


def _received_via() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("How the reporter answered"),
        choices=[("", "—"), *ReceivedVia.choices],
    )


class RecordAnswerForm(FilesMixin, ActionForm):
    """The reporter's answer to the hold question, given by phone, in person or by
    letter: recorded for them, it returns the report to verification as their own does."""

    action = Action.ANSWER_HOLD
    heading = _("Record the reporter's answer")
    submit_label = _("Record the answer and resume verification")
    received_via = _received_via()
    message = _text(_("The reporter's answer (staff and the reporter see it)"))
    attachments = _files(_("A letter or document the reporter handed in. Only staff see them."))

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.answer_hold(
            self.report,
            actor,
            data["message"],
            received_via=data["received_via"],
            files=data["attachments"],
        )


class RecordReplyForm(ActionForm):
    """The reporter's verdict on a completed report, given by phone, in person or by
    letter: recorded for them, it closes or reopens the report as their own does."""

    action = Action.SATISFIED  # or NOT_SATISFIED, as the officer chooses
    heading = _("Record the reporter's reply")
    submit_label = _("Record the reply")
    received_via = _received_via()
    verdict = forms.ChoiceField(
        label=_("The reporter is"),
        choices=[
            (Action.SATISFIED, _("satisfied: the report is closed")),
            (Action.NOT_SATISFIED, _("not satisfied: the report is reopened")),
        ],
        widget=forms.RadioSelect,
    )
    message = _text(
        _("What the reporter said (public; required when not satisfied)"),
        required=False,
        rows=3,
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == Action.NOT_SATISFIED and not data.get("message", "").strip():
            self.add_error("message", _("Write what the reporter says is still not resolved."))
        return data

    def perform(self, actor):
        data = self.cleaned_data
        return lifecycle.reply(
            self.report,
            actor,
            satisfied=data["verdict"] == Action.SATISFIED,
            message=data["message"],
            received_via=data["received_via"],
        )


class RecordRemoteVerdictForm(ActionForm):
    """The reporter's verdict on what a connected system did with their forwarded report,
    given by phone, in person or by letter: recorded for them, it goes to that system as
    their own does (`forwarding.give_verdict_there`); the status here stays. Offered
    while the system waits for a verdict; `forwarding` names the one the officer saw, so
    the verdict goes to the system the form named."""

    action = Action.REMOTE_VERDICT
    heading = _("Record the reporter's verdict for a connected system")
    submit_label = _("Record the verdict")
    forwarding = forms.IntegerField(widget=forms.HiddenInput)
    received_via = _received_via()
    verdict = forms.ChoiceField(
        label=_("The reporter is"),
        choices=[
            ("satisfied", _("satisfied: the report is closed there")),
            ("not_satisfied", _("not satisfied: the report is reopened there")),
        ],
        widget=forms.RadioSelect,
    )
    stars = forms.TypedChoiceField(
        label=_("The reporter's rating (optional)"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[(n, f"{'★' * n} {n}/5") for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    message = _text(
        _("What the reporter said (public; required when not satisfied)"),
        required=False,
        rows=3,
    )

    def __init__(self, *args, **kwargs):
        from aduan.webhooks import forwarding

        super().__init__(*args, **kwargs)
        waiting = forwarding.awaiting_verdict(self.report)
        self.has_choices = bool(waiting) and not lifecycle.reporter_erased(self.report)
        self.target = self._posted_forwarding() if self.is_bound else None
        if self.target is None and waiting:
            self.target = waiting[0]
        if self.target is None:
            return
        uplink = self.target.uplink
        self.initial.setdefault("forwarding", self.target.pk)
        self.heading = _("Record the reporter's verdict for %(system)s") % {"system": uplink.name}
        self.fields["verdict"].help_text = _(
            "%(system)s completed the report it received from here. The verdict goes there "
            "as the reporter's; the status here does not change."
        ) % {"system": uplink.name}
        if forwarding.rated_there(self.report, uplink):
            del self.fields["stars"]  # the connected system takes one rating

    def _posted_forwarding(self):
        try:
            pk = int(self.data.get("forwarding", ""))
        except ValueError:
            return None
        return self.report.forwardings.select_related("uplink").filter(pk=pk).first()

    def clean(self):
        data = super().clean()
        if data.get("verdict") == "not_satisfied" and not data.get("message", "").strip():
            self.add_error("message", _("Write what the reporter says is still not resolved."))
        return data

    def perform(self, actor):
        from aduan.webhooks.forwarding import give_verdict_there

        if self.target is None:
            raise lifecycle.TransitionError(
                _("The connected system no longer waits for the reporter's verdict.")
            )
        data = self.cleaned_data
        return give_verdict_there(
            self.report,
            actor,
            self.target,
            satisfied=data["verdict"] == "satisfied",
            message=data["message"],
            stars=data.get("stars"),
            received_via=data["received_via"],
        )


class EscalateForm(ActionForm):
    action = Action.ESCALATE
    heading = _("Escalate")
    submit_label = _("Escalate")
    message = _text(_("Message (optional)"), required=False, rows=3)

    def perform(self, actor):
        return lifecycle.escalate(self.report, actor, self.cleaned_data["message"])


class ForwardForm(ActionForm):
    action = Action.FORWARD
    heading = _("Forward to a connected system")
    submit_label = _("Forward")
    uplink = forms.ModelChoiceField(label=_("Forward to"), queryset=Uplink.objects.none())
    message = _text(_("Note for the timeline (optional)"), required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        access = Access.of(self.user)
        uplinks = administered_by(
            Uplink.objects.filter(is_active=True).exclude(forwardings__report=self.report), access
        )
        self.fields["uplink"].queryset = uplinks
        self.has_choices = uplinks.exists()

    def perform(self, actor):
        from aduan.webhooks.forwarding import forward

        return forward(
            self.report, actor, self.cleaned_data["uplink"], self.cleaned_data["message"]
        )


# Display order on the report page.
class HideFileForm(ActionForm):
    """Takes one file off the public pages; shown beside each public file of the report."""

    action = Action.HIDE_FILE
    heading = _("Hide from the public")
    submit_label = _("Hide from the public")
    attachment = forms.IntegerField(widget=forms.HiddenInput)

    def perform(self, actor):
        return lifecycle.hide_file(self.report, actor, self.cleaned_data["attachment"])


class HideInfoForm(ActionForm):
    """Takes the reporter's words (added information, an answer, a verdict, a rating
    comment) off the public pages; shown beside each such public entry of the
    timeline."""

    action = Action.HIDE_INFO
    heading = _("Hide from the public")
    submit_label = _("Hide from the public")
    event = forms.IntegerField(widget=forms.HiddenInput)

    def perform(self, actor):
        return lifecycle.hide_information(self.report, actor, self.cleaned_data["event"])


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        RecordAnswerForm,
        RecordReplyForm,
        RecordRemoteVerdictForm,
        DispatchForm,
        RespondForm,
        CompleteForm,
        NoteForm,
        AssignForm,
        HoldForm,
        NotOurRemitForm,
        EscalateForm,
        SetFlagsForm,
        CorrectFlagsForm,
        MarkDuplicateForm,
        ArchiveForm,
        ForwardForm,
        HideFileForm,
        HideInfoForm,
    )
}


# --- Manual entry -------------------------------------------------------------------


class ManualEntryForm(FilesMixin, forms.Form):
    """A report received outside the website, typed in by an officer."""

    # Makes a double click one report when no original reference is given.
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    channel = forms.ChoiceField(
        label=_("Received through"),
        choices=[(c.value, c.label) for c in MANUAL_CHANNELS],
    )
    channel_reference = forms.CharField(
        label=_("Original reference"),
        max_length=120,
        required=False,
        help_text=_("Letter number, call ticket or post link. Required for letters."),
    )
    received_on = dates.DateField(
        label=_("Date received"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.COMPLAINT)
    title = forms.CharField(label=_("Title"), max_length=150)
    body = _text(_("Report text"), rows=8)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
    )
    region = RegionField(
        label=_("Region"),
        required=False,
        help_text=_("Where it happened, as precisely as known: down to the village."),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    incident_date = dates.DateField(
        label=_("Date of incident"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    guest_name = forms.CharField(label=_("Reporter's name"), max_length=150, required=False)
    guest_phone = PhoneField(label=_("Reporter's phone"), required=False)
    guest_email = forms.EmailField(label=_("Reporter's email"), required=False)
    is_anonymous = forms.BooleanField(
        label=_("Anonymous: hide the reporter's identity from every organization"),
        required=False,
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential: never show this report in public"), required=False
    )
    attachments = MultipleFileField(label=_("Attachments (photos or PDF)"), required=False)

    def clean_received_on(self) -> datetime.date:
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return value

    def clean_incident_date(self):
        value = self.cleaned_data.get("incident_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of incident cannot be in the future."))
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4().hex)

    def clean(self):
        data = super().clean()
        data["channel_reference"] = (data.get("channel_reference") or "").strip()
        if data.get("channel") == Channel.LETTER and not data["channel_reference"]:
            self.add_error("channel_reference", _("Enter the letter number."))
        return data

    def guest_secret(self) -> str:
        """The private link's secret, derived from the one-time token when no reference
        is given: the second request of a double click (whose messages cookie wins) can
        show the officer the same link again."""
        token = self.cleaned_data.get("form_token") or ""
        if self.cleaned_data["channel_reference"] or not token:
            return ""
        return secret_from_token("aduan.workspace.entry-secret", token)

    def delivery_reference(self) -> str:
        """The original reference, or else one made from this form's one-time token (as
        the web form does), so a second click or a resent form makes no second report."""
        given = self.cleaned_data["channel_reference"]
        token = self.cleaned_data.get("form_token") or ""
        return given if given or not token else token_reference(token)

    def draft(self) -> Draft:
        data = self.cleaned_data
        return Draft(
            title=data["title"],
            body=data["body"],
            kind=data["kind"],
            incident_date=data.get("incident_date"),
            region=data.get("region"),
            address=data.get("address", ""),
            category=data.get("category"),
            is_anonymous=data.get("is_anonymous", False),
            is_confidential=data.get("is_confidential", False),
            guest_name=data.get("guest_name", ""),
            guest_email=data.get("guest_email", ""),
            guest_phone=data.get("guest_phone", ""),
            attachments=data.get("attachments") or [],
        )

    def received_at(self) -> datetime.datetime:
        """Today's entries keep the current time; earlier ones count from noon that day."""
        day = self.cleaned_data["received_on"]
        if day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


# --- Response templates -------------------------------------------------------------


class ResponseTemplateForm(forms.ModelForm):
    class Meta:
        model = ResponseTemplate
        fields = ["organization", "title", "body"]
        field_classes = {"organization": IndentedOrganizationField}
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = administered_organizations(access).order_by("path")
