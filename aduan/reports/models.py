"""Reports, their append-only timeline, attachments and supporters.

The status of a report is written only by `aduan.reports.lifecycle.transition`.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.db import connections, models
from django.db.models import Expression, Q
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.lib.sealed import SealedField
from aduan.organizations.models import Category, Organization, Region


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Not yet verified")
    ON_HOLD = "on_hold", _("On hold")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Responded")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


PUBLIC_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED)
OPEN_STATUSES = (Status.SUBMITTED, Status.ON_HOLD, Status.DISPATCHED, Status.IN_PROGRESS)


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    ASPIRATION = "aspiration", _("Aspiration")
    INFORMATION = "information", _("Information request")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    MOBILE_WEB = "mobile_web", _("Mobile website")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")
    SOCIAL_MEDIA = "social_media", _("Social media")
    CALL_CENTER = "call_center", _("Call centre / phone")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    LOCAL_SYSTEM = "local_system", _("Integrated local system")


# Channels whose messages come from the reporter's own number: it is confirmed by them.
PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP)

MANUAL_CHANNELS = (
    Channel.CALL_CENTER,
    Channel.WALK_IN,
    Channel.LETTER,
    Channel.SOCIAL_MEDIA,
    Channel.SUGGESTION_BOX,
)


class Tier(models.TextChoices):
    SIMPLE = "simple", _("Simple (5 working days)")
    NORMAL = "normal", _("Normal (14 working days)")
    FIELD = "field", _("Needs field inspection (60 working days)")


def guest_holds_phone(phone: str, prefix: str = "") -> Q:
    """The guest reports (`prefix`: the path to them) whose confirmed contact is `phone`
    and whose guest still holds it: it was confirmed, or a message came from it while
    it held them (the report itself, an answer, a question, another report), within
    ADUAN_NUMBER_RECYCLE_DAYS, as for an account's number
    (`aduan.accounts.models.holds_phone`). The number is the confirmed contact
    only when no address was given with it: a message from it needs none, and an
    imported SMS or WhatsApp row that has one got its confirmation link by email (the
    typed number is unproven)."""
    from aduan.accounts.models import recycle_pause

    held = {
        f"{prefix}guest_email": "",
        f"{prefix}reporter__isnull": True,
        f"{prefix}guest_contact_verified_at__isnull": False,
        f"{prefix}guest_phone": phone,
    }
    pause = recycle_pause()
    if pause is not None:
        held[f"{prefix}guest_phone_used_at__gte"] = timezone.now() - pause
    return Q(**held)


class ReportQuerySet(models.QuerySet["Report"]):
    def public(self) -> ReportQuerySet:
        """Reports any visitor may see: verified, not confidential, not archived."""
        return self.filter(status__in=PUBLIC_STATUSES, is_confidential=False)

    def handled_by(self, org: Organization) -> ReportQuerySet:
        return self.filter(organization__path__startswith=org.path)

    def open(self) -> ReportQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def reported_from(self, *, phone: str = "", email: str = "") -> ReportQuerySet:
        """Reports whose reporter is known to hold this number or address: a guest's
        confirmed one only (the query form of `Report.confirmed_guest_contact`), or an
        account's email or verified number (`aduan.accounts.phone`). A number typed into
        a web form or an account's profile proves nothing: whoever holds it must not act
        on that report by message; nor does a number unused for months, an account's
        (`holds_phone`) or a guest's (`guest_holds_phone`), which may have been given to
        someone else."""
        from aduan.accounts.models import holds_phone

        found = Q(pk__in=[])
        if phone:
            found |= guest_holds_phone(phone)
            found |= holds_phone(phone, prefix="reporter__")
        if email:
            found |= Q(
                reporter__isnull=True,
                guest_contact_verified_at__isnull=False,
                guest_email__iexact=email,
            )
            found |= Q(reporter__email__iexact=email)
        return self.filter(found)

    def visible_to(self, user) -> ReportQuerySet:
        """The one visibility rule for every back-office page, list, search and export.

        National admins see everything. Other staff see what their organization subtree
        handles now (a report their subtree passed back as "not our remit" and that went
        elsewhere is no longer theirs: it may hold the reporter's contact and the new
        handlers' notes); auditors see what was handed over to them. Nobody sees a
        report here for being its reporter: an officer who reported a neighbouring
        agency is a citizen there, and reads the report on its public page like any
        reporter, without that agency's internal notes. Public pages use `public()`.
        """
        from aduan.organizations.access import ADMIN_ROLES, Access, Role

        if not getattr(user, "is_authenticated", False):
            return self.none()
        access = Access.of(user)
        if access.is_national_admin:
            return self.all()
        query = Q(pk__in=[])
        staff_orgs = access.orgs(*ADMIN_ROLES, Role.LIAISON, Role.SUPERVISOR)
        for org in staff_orgs:
            query |= Q(organization__path__startswith=org.path)
        for org in access.orgs(Role.AUDITOR):
            query |= Q(auditor_organization__path__startswith=org.path)
        return self.filter(query)

    def search(
        self,
        text: str,
        *,
        public: bool = False,
        rank_window: int | None = None,
        reporters: bool = False,
    ) -> ReportQuerySet:
        """Reports whose title or body match `text`, best match first.

        PostgreSQL: full-text search with the Indonesian configuration (stemming:
        "perbaikan jalanan" finds "baik" and "jalan") over the stored `search_document`
        (migration 0006), web-search syntax ("exact phrase", -excluded, or), ranked with
        title words weighing more than body words, newest first among equals. Elsewhere
        (SQLite): every word must appear in the title or body, newest first. On both, a
        tracking code finds its report. A later `order_by()` replaces the ranking.

        `public=True` (portal, map, open data) ignores words holding digits or "@":
        public pages show NIKs, phone numbers, emails and plates masked, and a search
        for them must not reveal which report holds them.

        `rank_window` (PostgreSQL): rank only the newest N matches and leave the older
        ones out. Ranking reads every match, so a common word ("jalan") would cost a read
        of a large share of all reports; lists shown a page at a time pass a window,
        exports (which need every match) do not. Apply the other filters first: the
        window is taken from the queryset as it is.

        `reporters=True` (the back office, whose users see reporters' contacts anyway)
        also finds reports by the reporter's name, email or phone number (see
        `_reporter_matches`) — never an anonymous report by its reporter.
        """
        from aduan.reports.codes import normalize_tracking_code

        text = " ".join(text.split())
        if not text:
            return self
        code = normalize_tracking_code(text)
        extra = _reporter_matches(text) if reporters and not public else Q(pk__in=[])
        if code:
            extra |= Q(tracking_code=code)
        words = _public_words(text) if public else text.split()
        if not words:
            return self.filter(tracking_code=code) if code else self.none()
        if connections[self.db].vendor == "postgresql":
            return self._search_postgresql(" ".join(words), extra, rank_window, public)
        return self._search_words(words, extra, public)

    def _search_postgresql(
        self, text: str, extra: Q, rank_window: int | None, public: bool
    ) -> ReportQuerySet:
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        document = StoredSearchDocument(public=public)
        matches = Q(search_document=query) | extra
        found = self.alias(search_document=document).filter(matches)
        if rank_window:
            newest = found.order_by("-submitted_at", "-pk").values("pk")[:rank_window]
            found = self.filter(pk__in=newest)
        return found.alias(search_rank=SearchRank(document, query)).order_by(
            "-search_rank", "-submitted_at", "-pk"
        )

    def _search_words(self, words: list[str], extra: Q, public: bool) -> ReportQuerySet:
        """The portable fallback: every word (a leading "-" excludes it) in title or body."""
        title, body = ("public_title", "public_body") if public else ("title", "body")
        matches = Q()
        for word in words:
            word = word.strip('"')
            excluded = word.startswith("-") and len(word) > 1
            word = word.removeprefix("-") if excluded else word
            if not word or word.lower() == "or":
                continue
            found = Q(**{f"{title}__icontains": word}) | Q(**{f"{body}__icontains": word})
            matches &= ~found if excluded else found
        return self.filter(matches | extra).order_by("-submitted_at", "-pk")


# The text search configuration of the stored search document; PostgreSQL ships it.
SEARCH_CONFIG = "indonesian"
# Words a public search ignores: see ReportQuerySet.search.
_PRIVATE_WORD = re.compile(r"[\d@]")


# A name shorter than this matches too many reporters to mean anyone.
REPORTER_NAME_MIN = 3


def _reporter_matches(text: str) -> Q:
    """Reports of non-anonymous reporters (account or guest) whose name contains `text`,
    whose email is `text`, or whose phone number is `text` written any usual way."""
    from aduan.lib.phones import normalize_phone

    found = Q(reporter__email__iexact=text) | Q(guest_email__iexact=text)
    if len(text) >= REPORTER_NAME_MIN:
        found |= Q(reporter__full_name__icontains=text) | Q(guest_name__icontains=text)
    phone = normalize_phone(text) if not re.search(r"[^\d\s+().-]", text) else ""
    if phone:
        found |= Q(reporter__phone=phone) | Q(guest_phone=phone)
    return Q(found, is_anonymous=False)


def _public_words(text: str) -> list[str]:
    return [word for word in text.split() if not _PRIVATE_WORD.search(word)]


def has_private_words(text: str) -> bool:
    """Whether a public search ignores some words of `text`."""
    return bool(_PRIVATE_WORD.search(text))


class StoredSearchDocument(Expression):
    """The report's `search_document` tsvector column, or with `public` its
    `public_search_document` (of the public title and body).

    The columns exist on PostgreSQL only and are unknown to the model on purpose:
    triggers (migrations 0006 and 0010) keep them current on every write, so no Python
    code path can forget them, and ordinary queries never load them.
    """

    def __init__(self, public: bool = False):
        super().__init__()
        self.public = public

    def resolve_expression(self, query=None, *args, **kwargs):
        column = "public_search_document" if self.public else "search_document"
        return Col(query.get_initial_alias(), _search_document_field(column))


@functools.cache
def _search_document_field(column: str = "search_document"):
    from django.contrib.postgres.search import SearchVectorField

    field = SearchVectorField()
    field.set_attributes_from_name(column)
    field.model = Report  # expressions identify a column by its model and name
    return field


class Report(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=9, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("report"))
    # Title and body as public surfaces show them (`aduan.reports.privacy`), kept for
    # the public search: matched against the text as written, a search for a masked
    # name or email would tell which report holds it.
    public_title = models.TextField(blank=True, editable=False)
    public_body = models.TextField(blank=True, editable=False)
    # An anonymous report's title and body as the reporter wrote them, for the system
    # alone (JSON, sealed): organizations read them with what points at the reporter
    # masked (`aduan.reports.privacy.withhold_reporter`).
    withheld_text = SealedField(blank=True, editable=False)
    incident_date = models.DateField(_("date of incident"), null=True, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region")
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("category")
    )
    suggested_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("suggested organization"),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    channel_reference = models.CharField(_("original reference"), max_length=120, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    guest_name = models.CharField(_("name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("email"), blank=True)
    guest_phone = models.CharField(_("phone number"), max_length=20, blank=True)
    guest_secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    # A guest's email or phone receives updates only once its owner opened the
    # confirmation link sent there, so a mistyped address is not sent a stranger's news.
    guest_contact_verified_at = models.DateTimeField(
        _("contact confirmed at"), null=True, blank=True, editable=False
    )
    # The last message from the guest's confirmed number while it still held the report
    # (`guest_holds_phone`): after months unused, the operator may have given the number
    # to someone else, who must not act as this report's reporter.
    guest_phone_used_at = models.DateTimeField(
        _("number last used at"), null=True, blank=True, editable=False
    )
    # When an operator erased the guest reporter's personal data (`aduan.accounts.erasure`):
    # from then on nobody is this report's reporter, not even a browser that was.
    guest_erased_at = models.DateTimeField(
        _("guest reporter erased at"), null=True, blank=True, editable=False
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    is_confidential = models.BooleanField(_("confidential"), default=False)
    show_reporter_name = models.BooleanField(_("show my name publicly"), default=False)
    # The language the reporter used; messages to a guest reporter are written in it.
    language = models.CharField(_("language"), max_length=8, default="id")

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("handling organization"),
        editable=False,
        help_text=_("Empty while the report waits for the national admins."),
    )
    # The officer who took the report on inside the organization holding it: who
    # verifies it there, or who handles it at the unit. Set by lifecycle.assign, cleared
    # when the report moves to another organization.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reports",
        verbose_name=_("officer in charge"),
        editable=False,
    )
    auditor_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audited_reports",
        editable=False,
    )
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.NORMAL)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    archive_reason = models.CharField(_("archive reason"), max_length=20, blank=True)
    # Read from the text at intake (aduan.triage.hints): urgent reports lead work queues;
    # the abusive-language flag is for admins only, never shown in public.
    urgency_flags = models.JSONField(default=list, blank=True, editable=False)
    is_urgent = models.BooleanField(_("urgent"), default=False, editable=False)
    is_abusive = models.BooleanField(default=False, editable=False)
    # An officer corrected the flag by hand (lifecycle.correct_flags): reading the text
    # again, after an answer, an edit or an upgrade, leaves it as the officer set it.
    urgency_set_by_hand = models.BooleanField(default=False, editable=False)
    abuse_set_by_hand = models.BooleanField(default=False, editable=False)

    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    on_hold_since = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The earliest running deadline (aduan.deadlines), kept here to sort inboxes.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, editable=False)
    due_clock = models.CharField(max_length=20, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    support_count = models.PositiveIntegerField(default=0)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "channel_reference"],
                condition=~Q(channel_reference=""),
                name="report_unique_channel_reference",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="report_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-submitted_at"]),
            models.Index(fields=["status", "-submitted_at"]),
            models.Index(fields=["-submitted_at", "-id"], name="report_newest_first"),
            models.Index(fields=["reporter", "-submitted_at"]),
            models.Index(fields=["auditor_organization", "-submitted_at"]),
            models.Index(fields=["organization", "due_at"], name="report_due_by_org"),
            # Work queues in deadline order: walked in order, filtered, stopped at a page.
            models.Index(fields=["status", "due_at", "id"], name="report_status_due"),
            models.Index(fields=["due_at", "id"], name="report_due_soonest"),
            models.Index(
                fields=["status", "-is_urgent", "due_at", "id"], name="report_status_urgent_due"
            ),
            # Every inbound SMS or WhatsApp message looks up, and renews, the guest reports
            # its number holds (`guest_holds_phone`); most reports carry no number.
            models.Index(
                fields=["guest_phone"], condition=~Q(guest_phone=""), name="report_guest_phone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES and not self.is_confidential

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_escalated(self) -> bool:
        """Whether an escalation is current: the report is open and was escalated after
        its latest dispatch. A fresh dispatch hands it to someone new, and a report
        completed, closed or archived has nothing left to press; `escalated_at` keeps the
        moment all the same (the timeline keeps every escalation)."""
        if self.escalated_at is None or not self.is_open:
            return False
        return self.dispatched_at is None or self.escalated_at > self.dispatched_at

    @property
    def is_public_duplicate(self) -> bool:
        """A duplicate merged after it was published (verified, not confidential): its
        page stays public and says where the problem is handled, since its followers'
        messages, webhooks and links shared earlier all lead there."""
        return (
            self.status == Status.ARCHIVED
            and self.duplicate_of_id is not None
            and self.verified_at is not None
            and not self.is_confidential
        )

    @property
    def is_open_to_public(self) -> bool:
        """Whether anyone may open the report's page: a public report, or a duplicate
        that was public when merged (`is_public_duplicate`)."""
        return self.is_public or self.is_public_duplicate

    def first_of_duplicates(self) -> Report:
        """The report this one repeats, following merges of merges to the report they all
        repeat (itself when it is no duplicate)."""
        report, seen = self, {self.pk}
        while report.duplicate_of_id and report.duplicate_of_id not in seen:
            report = Report.objects.get(pk=report.duplicate_of_id)
            seen.add(report.pk)
        return report

    def is_reporter(self, user) -> bool:
        return bool(self.reporter_id) and getattr(user, "pk", None) == self.reporter_id

    @property
    def shown_reference(self) -> str:
        """The reference staff see: none for an anonymous report (a WhatsApp message id
        or an email's Message-ID can carry the sender's number or address), nor a web or
        entry form's token digest, which means nothing to anyone."""
        if self.is_anonymous or self.channel_reference.startswith("form:"):
            return ""
        return self.channel_reference

    def confirmed_guest_contact(self) -> tuple[str, str]:
        """The (email, phone) of a guest reporter known to reach them: the number or
        address a message of theirs came from, or the one the confirmation link was sent
        to (the email when both were given), once followed; ("", "") until then. The
        other address may be mistyped: it gets nothing after the first message."""
        if self.reporter_id or self.guest_contact_verified_at is None:
            return "", ""
        if not self.guest_email:
            return "", self.guest_phone
        return self.guest_email, ""

    @property
    def guest_phone_lapsed(self) -> bool:
        """Whether the guest's confirmed number lay unused for this report longer than
        ADUAN_NUMBER_RECYCLE_DAYS (`guest_holds_phone`): it may be someone else's now."""
        from aduan.accounts.models import recycle_pause

        pause = recycle_pause()
        if pause is None or self.confirmed_guest_contact()[1] == "":
            return False
        used = self.guest_phone_used_at
        return used is None or used < timezone.now() - pause

    @property
    def guest_phone_verified(self) -> bool | None:
        """For staff, as for an account's number: whether the guest's number is proven
        theirs (a message came from it, or its link was followed) and still in use;
        False once it lapsed; None for a number only typed, or none."""
        confirmed = self.confirmed_guest_contact()[1]
        if self.reporter_id or not confirmed or confirmed != self.guest_phone:
            return None
        return not self.guest_phone_lapsed

    def reporter_label(self, *, public: bool) -> str:
        """The reporter's name as a page may show it; anonymity always wins."""
        if self.is_anonymous:
            return str(_("Anonymous"))
        if public and not self.show_reporter_name:
            return str(_("Citizen"))
        if self.reporter_id:
            if self.reporter.is_erased:
                return str(_("Deleted account"))
            return self.reporter.full_name
        return self.guest_name or str(_("Guest"))


class Dispatch(models.Model):
    """Who sent a report where: the report's routing history."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="dispatches")
    from_organization = models.ForeignKey(
        Organization, null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["from_organization", "report"])]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_organization_id} → {self.to_organization_id}"


class AppendOnlyError(Exception):
    pass


class ReportEvent(models.Model):
    """One entry of a report's timeline. Written once, never changed or deleted."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_reporter = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)
    # When the row was written, whatever `at` says (a letter entered a week later, an
    # import, a scan pass that stamps its start): the API's changes feed waits on it.
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    message = models.TextField(blank=True)
    # A reporter's message on an anonymous report as written, for the system alone
    # (sealed): `message` holds it with what points at the reporter masked.
    withheld_message = SealedField(blank=True, editable=False)
    is_public = models.BooleanField(default=False)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["report", "at"]),
            # The monitoring figures: which organizations' officers acted lately.
            models.Index(
                fields=["at"],
                condition=models.Q(actor_organization__isnull=False, by_reporter=False),
                name="event_acting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Timeline events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Timeline events cannot be deleted")


def attachment_path(instance: Attachment, filename: str) -> str:
    from aduan.reports.attachments import STORED_EXTENSION
    from aduan.reports.codes import new_secret

    ext = STORED_EXTENSION.get(instance.content_type, "pdf")
    return f"attachments/{timezone.now():%Y/%m}/{new_secret()}.{ext}"


class AttachmentQuerySet(models.QuerySet):
    def on_shown_entries(self) -> AttachmentQuerySet:
        """Files of the submission and of public timeline entries: never those of an
        internal one (a note, a "not our remit"), which stay with staff."""
        return self.filter(Q(event__isnull=True) | Q(event__is_public=True))


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        ReportEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    is_public = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def plain_name(self) -> str:
        """A name that tells nothing about who sent the file (`lampiran-12.jpg`), for
        public surfaces: phones and scanners name files after their owner
        ("KTP_Budi_Santoso.jpg", "IMG-Siti Rahmawati.jpg")."""
        from aduan.reports.attachments import STORED_EXTENSION

        return f"lampiran-{self.pk}.{STORED_EXTENSION.get(self.content_type, 'pdf')}"

    def name_for_staff(self, report: Report) -> str:
        """The name organizations see: the uploaded one, except for the reporter's own
        files of an anonymous report, whose names may carry the hidden identity."""
        # The submission's files are the reporter's, also when staff typed it in.
        from_reporter = self.event_id is None or self.event.by_reporter
        from_reporter = from_reporter or self.event.action == "submit"
        return self.plain_name if report.is_anonymous and from_reporter else self.original_name


class Support(models.Model):
    """A citizen's "dukung" for a public report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="support_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.report_id}"


class Subscription(models.Model):
    """A citizen following a public report: told of its public responses and outcome."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="subscription_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.report_id}"


class ReportAccess(models.Model):
    """An officer opened a report, or one of its files, in the back office, or took it in
    a list export; or a connected system read it through the API: who read whose
    personal data, and when (Law 27/2022 asks those who hold personal data to record how
    it is processed). Written at most once an hour per reader, report and way
    (`aduan.reports.access_log`); shown to the report's admins, supervisors and
    auditors."""

    class Via(models.TextChoices):
        PAGE = "page", _("Report page")
        FILE = "file", _("File")
        EXPORT = "export", _("List export")
        API = "api", _("Connected system (API)")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="accesses", verbose_name=_("report")
    )
    # The officer; or, for an API read, the key that read it (a system, not a person).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("officer"),
    )
    api_key = models.ForeignKey(
        "api.ApiKey",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("API key"),
    )
    via = models.CharField(_("opened"), max_length=8, choices=Via.choices, default=Via.PAGE)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("report opening")
        verbose_name_plural = _("report openings")
        indexes = [models.Index(fields=["report", "-at"], name="report_access_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(api_key__isnull=False),
                name="report_access_has_reader",
            )
        ]

    def __str__(self) -> str:
        reader = self.user_id if self.user_id else f"key {self.api_key_id}"
        return f"{reader} opened {self.report_id} ({self.via})"
