"""The one way a report enters Aduan, whatever the channel.

Every channel — the web form, staff manual entry, and later the API, Open311, WhatsApp,
SMS and email — calls `submit_report`, so validation, deduplication of retried
deliveries and the first timeline event are the same everywhere.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts.models import holds_phone, recycle_pause
from aduan.deadlines.clocks import first_clocks
from aduan.deadlines.models import Deadline
from aduan.lib.untrusted import plain_text
from aduan.organizations.models import Category, Organization, Region
from aduan.reports import lifecycle
from aduan.reports.attachments import AttachmentError, CleanFile, store_attachment
from aduan.reports.codes import hash_secret, new_secret, new_tracking_code
from aduan.reports.lifecycle import Action, Actor, TransitionError, after_events
from aduan.reports.models import (
    OPEN_STATUSES,
    PHONE_CHANNELS,
    Attachment,
    Channel,
    Kind,
    Report,
    ReportEvent,
    Subscription,
    guest_holds_phone,
)
from aduan.reports.privacy import (
    refresh_public_text,
    set_public_text,
    withhold_reporter,
    withhold_reporter_messages,
)
from aduan.triage.hints import urgency_and_abuse

CODE_ATTEMPTS = 10
# Files the reporter sends this soon after the report, before anyone acted on it, are
# the rest of the submission (see `add_to_submission`).
FILES_WITH_SUBMISSION = datetime.timedelta(minutes=10)


@dataclass
class Draft:
    """What a reporter tells us, already validated by the channel's form or parser."""

    title: str
    body: str
    kind: str = Kind.COMPLAINT
    incident_date: datetime.date | None = None
    region: Region | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    category: Category | None = None
    suggested_organization: Organization | None = None
    is_anonymous: bool = False
    is_confidential: bool = False
    show_reporter_name: bool = False
    guest_name: str = ""
    guest_email: str = ""
    guest_phone: str = ""
    language: str = "id"
    attachments: list[CleanFile] = field(default_factory=list)
    # The text as received, when the channel left part of it out of `body` for an
    # anonymous reporter (an email's signature): kept sealed for the system alone.
    received_body: str = ""


@dataclass
class Submission:
    report: Report
    created: bool
    secret: str = ""  # the guest's secret link token; shown once, stored only as a hash
    event: ReportEvent | None = None  # the submission's timeline entry, when just created


def submit_report(
    draft: Draft,
    *,
    reporter=None,
    channel: str = Channel.WEB,
    channel_reference: str = "",
    entered_by=None,
    received_by: Organization | None = None,
    at: datetime.datetime | None = None,
    guest_secret: str = "",
) -> Submission:
    """Create a report, or return the existing one when this delivery was seen before.

    `channel_reference` identifies the delivery within its channel (a form token, a
    message id, an idempotency key); a retry with the same reference returns the first
    report. `received_by` is the organization whose officer entered it by hand; the
    report then waits for that organization's admins rather than the national queue.
    `guest_secret` is a guest's secret-link token when the channel derives it itself
    (the web form, from its one-time token, so that a retry can show the link again);
    otherwise a random one is made.
    """
    # The unique constraints on the reference and the tracking code answer both "seen
    # before?" and "code free?" in the INSERT itself: no look-ups before it.
    for _attempt in range(CODE_ATTEMPTS):
        code = new_tracking_code()
        try:
            return _create(
                draft,
                reporter,
                channel,
                channel_reference,
                entered_by,
                received_by,
                at,
                code,
                guest_secret,
            )
        except IntegrityError:
            existing = _existing(channel, channel_reference) if channel_reference else None
            if existing is not None:
                return Submission(existing, created=False)
            if not Report.objects.filter(tracking_code=code).exists():
                raise
    raise RuntimeError("Could not find a free tracking code")


def _existing(channel: str, reference: str) -> Report | None:
    return Report.objects.filter(channel=channel, channel_reference=reference).first()


def _create(
    draft, reporter, channel, channel_reference, entered_by, received_by, at, code, guest_secret
):
    at = at or timezone.now()
    secret = "" if reporter else guest_secret or new_secret()
    waiting_at = received_by or (
        draft.suggested_organization.agency() if draft.suggested_organization else None
    )
    flags = urgency_and_abuse(draft.title, draft.body, on=timezone.localdate(at))
    with transaction.atomic():
        report = Report(
            tracking_code=code,
            kind=draft.kind,
            title=plain_text(draft.title).strip(),
            body=plain_text(draft.body).strip(),
            incident_date=draft.incident_date,
            region=draft.region,
            latitude=draft.latitude,
            longitude=draft.longitude,
            address=plain_text(draft.address).strip(),
            category=draft.category,
            suggested_organization=draft.suggested_organization,
            channel=channel,
            channel_reference=channel_reference,
            reporter=reporter,
            guest_name="" if reporter else plain_text(draft.guest_name).strip(),
            guest_email="" if reporter else draft.guest_email.strip().lower(),
            guest_phone="" if reporter else draft.guest_phone.strip(),
            guest_secret_hash=hash_secret(secret) if secret else "",
            is_anonymous=draft.is_anonymous,
            is_confidential=draft.is_confidential,
            show_reporter_name=draft.show_reporter_name and not draft.is_anonymous,
            language=draft.language,
            organization=waiting_at,
            submitted_at=at,
            updated_at=at,
            **flags,
        )
        if report.is_anonymous:
            withhold_reporter(report, received_body=plain_text(draft.received_body).strip())
        set_public_text(report)
        deadlines = first_clocks(report, at)
        report.save()
        Deadline.objects.bulk_create(deadlines)
        event = ReportEvent.objects.create(
            report=report,
            action=Action.SUBMIT,
            actor=entered_by or reporter,
            actor_organization=received_by,
            by_reporter=entered_by is None,
            at=at,
            is_public=True,
            to_status=report.status,
            data={"channel": channel, "entered_by_staff": entered_by is not None},
        )
        for clean in draft.attachments:
            store_attachment(report, event, clean)
        event.report = report
        after_events([event], secret=secret)
    return Submission(report, created=True, secret=secret, event=event)


def add_to_submission(report: Report, files: Sequence[CleanFile]) -> list[Attachment]:
    """Add files the reporter sent after the report itself (from the report's page, or
    a connected system relaying the photos separately) to the report's submission, as if
    they had come with it: all of them, or none. Unless they are the rest of the
    submission (within FILES_WITH_SUBMISSION of it, nobody having acted since), a public
    timeline entry of the reporter's says when they came, and the handlers are told.

    When the report was forwarded to a connected system, the files follow it there.
    Refused with TransitionError once the report is closed, completed or archived, and
    with AttachmentError when the submission would hold more than ADUAN_MAX_ATTACHMENTS
    files; the report row is locked meanwhile, so two uploads at once cannot pass the
    limit."""
    from aduan.webhooks.forwarding import send_again

    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status not in OPEN_STATUSES:
            raise TransitionError(_("The report is closed; no more files can be added."))
        submitted = ReportEvent.objects.filter(report=locked, action=Action.SUBMIT).first()
        limit = settings.ADUAN_MAX_ATTACHMENTS
        held = Attachment.objects.filter(report=locked, event=submitted).count()
        if held + len(files) > limit:
            raise AttachmentError(
                _("A report keeps at most %(count)d files from its reporter.") % {"count": limit}
            )
        stored = [store_attachment(locked, submitted, clean) for clean in files]
        if not _completes_submission(locked, submitted):
            lifecycle.transition(
                locked,
                Action.ADD_FILES,
                Actor(locked.reporter, is_reporter=True),
                data={"attachments": [item.pk for item in stored]},
            )
        send_again(locked)
    report.refresh_from_db()
    return stored


def _completes_submission(report: Report, submitted: ReportEvent | None) -> bool:
    """Whether files are the rest of the submission rather than news: photos a WhatsApp
    message or a connected app sends with a report arrive separately, just after it,
    and deserve no entry or message of their own."""
    if submitted is None or timezone.now() - submitted.at > FILES_WITH_SUBMISSION:
        return False
    return (
        not ReportEvent.objects.filter(report=report, at__gte=submitted.at)
        .exclude(pk=submitted.pk)
        .exists()
    )


# --- Reports sent from an account's verified number (aduan.accounts.phone) ------------


def account_of_phone(phone: str):
    """The active account that proved it holds `phone`, and still does, or None. A
    number only typed into a profile proves nothing, a deleted account captures
    nothing, and a number unused for months may have been given to someone else
    (`holds_phone`)."""
    if not phone:
        return None
    return (
        get_user_model()
        .objects.filter(holds_phone(phone), is_active=True, erased_at__isnull=True)
        .first()
    )


def number_used(phone: str) -> None:
    """A message came from `phone` (SMS, WhatsApp): the account still holding the number
    holds it up to now, so a report it sends next month is still the account's; so do
    the guest reports it still holds, whatever report the message is about (the number
    was in use, so not given to anyone else meanwhile). An account or report whose
    number lay unused too long is not refreshed: the sender may be the number's new
    holder (`holds_phone`, `guest_holds_phone`)."""
    if phone:
        now = timezone.now()
        get_user_model().objects.filter(holds_phone(phone)).update(phone_used_at=now)
        # No `version` bump: the report itself does not change, and an action on a copy
        # read just before must not lose over it.
        Report.objects.filter(guest_holds_phone(phone)).update(guest_phone_used_at=now)


def _sent_by_its_holder(sent: list[tuple[int, datetime.datetime, datetime.datetime | None]]):
    """The reports among `sent` ((id, submitted at, number last used for it)) that the
    number's holder, who proved holding it just now, sent. Operators give a number to
    someone else only after it lay unused for months (the end of its active period, the
    grace period, then quarantine), so a number that was used without such a pause since
    was in the same hands: going back from now, each report is the holder's while it
    came, or the number was last used for it (`guest_holds_phone`: a message renews it
    only while it holds the report), within ADUAN_NUMBER_RECYCLE_DAYS of the next use;
    before a longer pause, the reports may be a former holder's, and their personal data
    are not the new one's to read."""
    pause = recycle_pause()
    since, ids = timezone.now(), []
    by_last_use = sorted(sent, key=lambda row: (max(row[1], row[2] or row[1]), row[0]))
    for pk, submitted_at, used_at in reversed(by_last_use):
        if pause is not None and since - max(submitted_at, used_at or submitted_at) > pause:
            break
        ids.append(pk)
        since = min(since, submitted_at)
    return ids


def adopt_channel_reports(user) -> int:
    """Make the guest reports sent by SMS or WhatsApp from the user's verified number
    the account's, as if it had sent them signed in: the reporter is set, the guest's
    contact and secret link are dropped. Reports that merely carry the number (typed
    into a web form, or by an officer, imported files included) are left alone: nobody
    proved holding it then; so are those its holder may not have sent
    (`_sent_by_its_holder`).
    No timeline entry (nothing happened to the report itself) and no status change.
    Returns how many were attached; call inside a transaction."""
    phone = user.verified_phone
    if not phone:
        return 0
    sent = (
        Report.objects.filter(
            reporter__isnull=True,
            channel__in=PHONE_CHANNELS,
            guest_phone=phone,
            guest_contact_verified_at__isnull=False,
            # Sent from the number itself: an imported file's SMS or WhatsApp row carries
            # a number someone typed (its guest may have confirmed an email address).
            events__action=Action.SUBMIT,
            events__by_reporter=True,
        )
        .distinct()
        .values_list("pk", "submitted_at", "guest_phone_used_at")
    )
    ids = _sent_by_its_holder(list(sent))
    if not ids:
        return 0
    adopted = Report.objects.filter(pk__in=ids)
    # `version` moves on, so an action taken on a copy read before loses cleanly.
    adopted.update(
        reporter=user,
        guest_name="",
        guest_email="",
        guest_phone="",
        guest_secret_hash="",
        guest_contact_verified_at=None,
        guest_phone_used_at=None,
        version=F("version") + 1,
    )
    ReportEvent.objects.filter(report__in=ids, by_reporter=True, actor__isnull=True).update(
        actor=user
    )
    # Anonymous ones were masked at intake by a guest's number alone: the account's name
    # and address written in them are now masked too, as if sent signed in, the words as
    # written kept sealed (`privacy.withhold_reporter`).
    for report in adopted.filter(is_anonymous=True).select_related("reporter"):
        changed = withhold_reporter(report)
        if changed:
            Report.objects.filter(pk=report.pk).update(**changed)
        withhold_reporter_messages(report.events.all(), report)
    # A guest merged into another report heard of that one as a guest; an account hears
    # of it by following it, as when its own report is merged (`lifecycle.mark_duplicate`).
    for report in adopted.filter(duplicate_of__isnull=False):
        original = report.first_of_duplicates()
        if original.reporter_id != user.pk:
            Subscription.objects.get_or_create(report=original, user=user)
    # Public pages now mask the account's name in what the reporter wrote.
    refresh_public_text(adopted)
    return len(ids)
