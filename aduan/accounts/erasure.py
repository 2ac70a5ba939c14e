"""Deleting an account at its owner's request (the right to erasure of Law 27/2022 on
Personal Data Protection).

A citizen's reports are public-service records: the organizations keep handling the open
ones, the public keeps reading the public ones, and the figures keep counting them. So
the account row stays, as their reporter, but holds nothing about the person any more,
and what points at them is taken out of the reports themselves:

- the account: name (and former names), email address (replaced by an address that
  cannot receive mail), phone number, password, sign-in history, two-step sign-in
  devices and notification settings;
- their reports: the reporter's name, own email address and phone number however
  written, NIK numbers and the numbers and house they call their own are masked in the
  title, the body and every message they wrote (`privacy.withheld_text`, the masking
  anonymous reports get), and the words as written that an anonymous report kept sealed
  are dropped; their files are named plainly; their name is no longer shown publicly;
- what was kept for them: their notifications (and the messages waiting to be sent),
  the reports they followed.

Their support of other reports still counts: the row names only the emptied account.

Officers cannot delete their own account: what they did is part of their organization's
records, under their name; their organization's admins end their roles, and the people
who run the installation deactivate the account.

A report made without an account (a guest's, by the web, SMS, WhatsApp or email) belongs
to no account: at its reporter's request the operators erase the guest reporter the same
way from the administration site (`erase_guest_reporter`).

A report forwarded to another system (`aduan.webhooks.forwarding`) went there with the
reporter's words, and their name unless it was anonymous: each such system is asked to
erase the reporter from its copy too, through its API, and does so the same way
(`erase_relayed_reporter`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.accounts import two_factor
from aduan.accounts.phone import forget as forget_phone_code
from aduan.reports.models import Attachment, Report, ReportEvent, Subscription
from aduan.reports.privacy import (
    mask_reporter,
    set_public_text,
    withheld_text,
    withheld_title_and_body,
)

ERASED_EMAIL_DOMAIN = "akun-dihapus.invalid"  # RFC 2606: never delivers


class ErasureRefused(Exception):
    """The account cannot be deleted by its owner; the message says why and what to do."""


class Identity(NamedTuple):
    """Who a reporter was (a name, an email address, a phone number, each may be ""),
    to mask wherever a report's words write it."""

    name: str
    email: str
    phone: str


@dataclass
class Erased:
    reports: int
    messages: int
    notifications: int


def refusal(user) -> str:
    """Why `user` may not delete their own account, or "" when they may."""
    from aduan.organizations.models import Membership

    if user.is_erased:
        return _("This account is already deleted.")
    if user.is_staff or user.is_superuser:
        return _(
            "This account runs the installation. Another of its administrators must "
            "deactivate it in the administration site."
        )
    if Membership.objects.filter(user=user).exists():
        return _(
            "This account has or had a role in an organization, and what was done with it "
            "is part of that organization's records. Ask the organization's admin to end "
            "your roles, and the people who run this installation to deactivate the account."
        )
    return ""


def erase_account(user) -> Erased:
    """Delete `user`'s personal data as the module says; raises ErasureRefused when
    `refusal` gives a reason. The caller ends the current session."""
    from aduan.accounts.models import User

    with transaction.atomic():
        # Locked: two submissions of the form, or a sign-up racing it, see one state.
        user = User.objects.select_for_update().get(pk=user.pk)
        reason = refusal(user)
        if reason:
            raise ErasureRefused(reason)
        reports = list(Report.objects.select_for_update().filter(reporter=user).order_by("pk"))
        # Who they were, for the systems their reports were forwarded to, which mask it.
        identities = [
            Identity(name, user.email, user.phone)
            for name in [user.full_name, *(user.former_names or [])]
        ]
        for report in reports:
            report.reporter = user  # the patterns read the name and contacts still held
        messages = sum(_withhold_messages(report) for report in reports)
        for report in reports:
            _withhold_text(report)
            # Public pages masked the name in the rest at read time, by the name the
            # account is about to lose: what others wrote of the reporter is masked now.
            _mask_others_words(report)
        _mask_messages_to_others(user, reports)
        email = user.email
        _empty(user)
        _settle_what_nobody_answers(reports)
        for report in reports:
            _write_public_copy(report)
        _name_files_plainly(reports)
        Subscription.objects.filter(user=user).delete()
        notifications = _forget_notifications(user)
        _forget_sign_ins(email)
        _forget_account_tasks(user)
        two_factor.turn_off(user)
        if reports:
            _erase_forwarded_copies(reports, identities)
            _retrain_without_their_words()
    return Erased(reports=len(reports), messages=messages, notifications=notifications)


def erase_guest_reporter(report: Report) -> bool:
    """Take a guest reporter's personal data out of `report` as `erase_account` does for
    an account's reports: the name, email address and phone number it was made with
    are emptied, and the messages to them deleted. False when the report has an account
    (its owner deletes that) or nothing is left to erase."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        contacts = [value for value in (report.guest_email, report.guest_phone) if value]
        if report.reporter_id is not None or not (report.guest_name or contacts):
            return False
        identity = Identity(report.guest_name, report.guest_email, report.guest_phone)
        _erase_guest(report)
        _erase_forwarded_copies([report], [identity])
        _retrain_without_their_words()
    return True


def erase_relayed_reporter(report: Report, identities: Sequence[Identity] = ()) -> bool:
    """Erase the reporter of `report`, received from a connected system that erased them
    from its own copy (the API), as `erase_guest_reporter` does: even a report without a
    name (an anonymous one) may hold their numbers or house in its words, so the words
    are masked whatever the report holds, and by the `identities` that system gave too
    (the contacts it held, which it did not send here). Returns whether anything
    changed; raises ErasureRefused when the report belongs to an account here, whose
    owner deletes it."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.reporter_id is not None:
            raise ErasureRefused(
                _(
                    "The reporter of this report has an account here: only they can "
                    "delete it, on their account page."
                )
            )
        before = _erasable_state(report)
        held = Identity(report.guest_name, report.guest_email, report.guest_phone)
        try:
            with transaction.atomic():
                _erase_guest(report, identities)
                if _erasable_state(Report.objects.get(pk=report.pk)) == before:
                    # Erased before: undone, so that an officer's open form stays current.
                    raise _NothingErased
        except _NothingErased:
            return False
        _erase_forwarded_copies([report], [held, *identities])
        _retrain_without_their_words()
    return True


class _NothingErased(Exception):
    pass


def _erasable_state(report: Report) -> tuple:
    """What an erasure may change in `report`: to tell a repeated request from a first.
    Whatever the steps change must be here, or a first erasure that changes only that
    (a file named after the reporter, in a report whose words name nobody) is undone."""
    from aduan.notifications.models import Notification

    words = _reporter_words(report).order_by("pk").values_list("message", "withheld_message")
    files = _reporters_files([report]).order_by("pk").values_list("original_name", flat=True)
    messages = Notification.objects.filter(user=None, report=report).count()
    return (
        report.status,
        report.guest_name,
        report.guest_email,
        report.guest_phone,
        report.guest_erased_at,
        report.title,
        report.body,
        report.address,
        report.rating_comment,
        report.withheld_text,
        report.show_reporter_name,
        tuple(words),
        tuple(files),
        messages,
    )


def _erase_guest(report: Report, identities: Sequence[Identity] = ()) -> None:
    """The steps of erasing the reporter of a report made without an account; `report`
    is locked. What points at the reporter is masked by the name and contacts the report
    holds, then by each of `identities`."""
    from aduan.api.idempotency import forget_reporter_in_answers
    from aduan.notifications.models import Notification

    contacts = [value for value in (report.guest_email, report.guest_phone) if value]
    held = Identity(report.guest_name, report.guest_email, report.guest_phone)
    for identity in [held, *(i for i in identities if i != held and any(i))]:
        # The masking reads who the reporter is from the report's guest fields.
        report.guest_name, report.guest_email, report.guest_phone = identity
        _withhold_messages(report)
        _withhold_text(report)
        _mask_others_words(report)
        _mask_messages_to_others(None, [report])
    report.guest_name = report.guest_email = report.guest_phone = ""
    # The private link and the browsers it opened stop making anyone the reporter.
    report.guest_secret_hash = ""
    report.guest_erased_at = report.guest_erased_at or timezone.now()
    Report.objects.filter(pk=report.pk).update(
        guest_name="",
        guest_email="",
        guest_phone="",
        guest_secret_hash="",
        guest_erased_at=report.guest_erased_at,
        guest_contact_verified_at=None,
        guest_phone_used_at=None,
    )
    _settle_what_nobody_answers([report])
    _write_public_copy(report)
    _name_files_plainly([report])
    Notification.objects.filter(user=None).filter(
        Q(report=report) | Q(address__in=contacts)
    ).delete()
    # The API's answers remembered for retries of the system that sent the report.
    forget_reporter_in_answers(report)


def _erase_forwarded_copies(reports: list[Report], identities: list[Identity]) -> None:
    """Reports forwarded to another system went with the reporter's words (and name):
    each such system is asked to erase the reporter from its copy too, by the
    `identities` they had here (the contacts never went, but the reporter may have
    written them in their words)."""
    from aduan.webhooks.forwarding import erase_reporter_there

    erase_reporter_there(reports, [identity for identity in identities if any(identity)])


def _retrain_without_their_words() -> None:
    """The suggestion models learnt from the reports' text as it was (the words a model
    reads are stored with it): a retraining is queued once the erasure commits, so the
    live models hold the masked text soon, not only after the next scheduled one. One
    already queued reads the masked text; one running may have read it before, and is
    followed by another when it ends."""
    from aduan.triage.training import words_changed

    words_changed()


def _settle_what_nobody_answers(reports: list[Report]) -> None:
    """What waits for the reporter is settled now, as its time running out would do ten
    working days later, since nobody can answer any more (nor may an officer answer for
    them): a report on hold is archived as incomplete, a completed one awaiting their
    verdict is closed."""
    from aduan.notifications import outbox
    from aduan.reports.lifecycle import (
        UNANSWERABLE_MESSAGE,
        Action,
        ArchiveReason,
        apply_system_action,
    )
    from aduan.reports.models import Status

    on_hold = [report for report in reports if report.status == Status.ON_HOLD]
    completed = [report for report in reports if report.status == Status.COMPLETED]
    if not on_hold and not completed:
        return
    now = timezone.now()
    with translation.override("id"):  # timeline text is stored in the first language
        message = str(UNANSWERABLE_MESSAGE)
    with outbox.collecting():
        apply_system_action(
            Action.ARCHIVE_INCOMPLETE,
            on_hold,
            at=now,
            message=message,
            changes={"archived_at": now, "archive_reason": ArchiveReason.INCOMPLETE},
        )
        apply_system_action(Action.CLOSE_UNANSWERED, completed, at=now, changes={"closed_at": now})


def _reporter_words(report: Report):
    """The timeline entries that hold the reporter's words: their own, and the answers
    an officer recorded for them (by phone, in person, by letter)."""
    return ReportEvent.objects.filter(report=report).filter(
        Q(by_reporter=True) | Q(data__recorded_for_reporter=True)
    )


def _withhold_messages(report: Report) -> int:
    changed = 0
    for event in _reporter_words(report).exclude(message="", withheld_message=""):
        masked = withheld_text(event.message, report)
        # Timeline entries are never changed through the model (append-only); erasure is
        # the one rewrite the law asks for, and it keeps the entry, masked.
        ReportEvent.objects.filter(pk=event.pk).update(message=masked, withheld_message="")
        changed += masked != event.message
    return changed


def _withhold_text(report: Report) -> None:
    report.title, report.body = withheld_title_and_body(report.title, report.body, report)
    report.address = withheld_text(report.address, report)[
        : Report._meta.get_field("address").max_length
    ]
    # The rating's words are kept on the row too, beside their timeline entry.
    report.rating_comment = withheld_text(report.rating_comment, report)
    report.withheld_text = ""
    report.show_reporter_name = False


def _mask_others_words(report: Report) -> None:
    """Officers' answers, questions and notes that name the reporter or quote their
    contacts ("Terima kasih Ibu Siti Rahmawati, kami hubungi 0812…")."""
    others = ReportEvent.objects.filter(report=report).exclude(message="")
    for event in others.exclude(pk__in=_reporter_words(report).values("pk")):
        masked = mask_reporter(event.message, report)
        if masked != event.message:
            ReportEvent.objects.filter(pk=event.pk).update(message=masked)


def _mask_messages_to_others(user, reports: list[Report]) -> None:
    """The messages about their reports kept for others (officers' inboxes, queued
    emails), which quote the title and the reporter's words."""
    from aduan.notifications.models import Notification

    by_pk = {report.pk: report for report in reports}
    told = Notification.objects.filter(report__in=reports).exclude(user=user)
    for row in told.only("pk", "report_id", "subject", "body", "short").iterator():
        report = by_pk[row.report_id]
        masked = {
            name: mask_reporter(getattr(row, name), report) for name in ("subject", "body", "short")
        }
        if any(masked[name] != getattr(row, name) for name in masked):
            Notification.objects.filter(pk=row.pk).update(**masked)


def _empty(user) -> None:
    user.full_name = ""
    user.former_names = []
    user.email = f"akun-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.phone = ""
    user.phone_verified_at = None  # its SMS and WhatsApp reports are no longer anyone's
    user.phone_used_at = None
    user.notify_by_email = user.notify_by_whatsapp = user.notify_by_sms = False
    user.set_unusable_password()  # every session of the account ends with its password
    user.is_active = False
    user.email_confirmed_at = None
    user.last_login = None
    user.erased_at = timezone.now()
    # Through the queryset: saving would refresh the public copies by the emptied name
    # before the masked texts are written (User.save); `_write_public_copy` does that.
    type(user).objects.filter(pk=user.pk).update(
        **{
            name: getattr(user, name)
            for name in (
                "full_name",
                "former_names",
                "email",
                "phone",
                "phone_verified_at",
                "phone_used_at",
                "notify_by_email",
                "notify_by_whatsapp",
                "notify_by_sms",
                "password",
                "is_active",
                "email_confirmed_at",
                "last_login",
                "erased_at",
            )
        }
    )
    user.groups.clear()
    user.user_permissions.clear()
    forget_phone_code(user)


def _write_public_copy(report: Report) -> None:
    set_public_text(report)
    # A new version: an officer's form loaded before the text changed is refused as stale.
    Report.objects.filter(pk=report.pk).update(
        title=report.title,
        body=report.body,
        address=report.address,
        rating_comment=report.rating_comment,
        withheld_text="",
        show_reporter_name=False,
        public_title=report.public_title,
        public_body=report.public_body,
        version=F("version") + 1,
    )


def _reporters_files(reports: list[Report]):
    from_reporter = Q(event__isnull=True) | Q(event__by_reporter=True) | Q(event__action="submit")
    return Attachment.objects.filter(Q(report__in=reports) & from_reporter)


def _name_files_plainly(reports: list[Report]) -> None:
    """Phones and scanners name files after their owner ("KTP_Budi_Santoso.jpg")."""
    for attachment in _reporters_files(reports):
        if attachment.original_name != attachment.plain_name:
            Attachment.objects.filter(pk=attachment.pk).update(original_name=attachment.plain_name)


def _forget_notifications(user) -> int:
    from aduan.notifications.models import Notification

    deleted, _by_model = Notification.objects.filter(user=user).delete()
    return deleted


def _forget_account_tasks(user) -> None:
    """The worker's records of the account's own emails (a new address, a notice to the
    old one) keep their addresses until they are pruned (ADUAN_TASK_RESULTS_KEEP_DAYS);
    those waiting would still be sent."""
    from django.conf import settings

    from aduan.lib.tasks import TRANSACTIONAL_BACKENDS

    if settings.TASKS.get("default", {}).get("BACKEND", "") not in TRANSACTIONAL_BACKENDS:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(
        task_path__startswith="aduan.accounts.tasks.", args_kwargs__args__0=user.pk
    ).delete()


def _forget_sign_ins(email: str) -> None:
    """django-axes keeps sign-ins and failed attempts by the address typed."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=email).delete()
