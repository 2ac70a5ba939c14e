"""The tree of government bodies, who works in them, and where reports go."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_STEP = 6  # characters of the materialized path per tree level
# Decree dates outside these years are typing mistakes (the republic's first to far ahead).
DECREE_YEARS = (1945, 2100)


def region_ancestor_codes(code: str) -> list[str]:
    """A Kemendagri code and the codes above it, nearest first: "33.02.01" → "33.02.01",
    "33.02", "33"."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


class Region(models.Model):
    """A Kemendagri administrative region: province, regency/city, district or village."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        REGENCY = 2, _("regency/city")
        DISTRICT = 3, _("district")
        VILLAGE = 4, _("village")

    code = models.CharField(_("Kemendagri code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return self.name

    def ancestor_codes(self) -> list[str]:
        """Codes of this region and every region above it, nearest first."""
        return region_ancestor_codes(self.code)

    def full_name(self) -> str:
        regions = {r.code: r.name for r in Region.objects.filter(code__in=self.ancestor_codes())}
        return ", ".join(regions[c] for c in self.ancestor_codes() if c in regions)


def validate_time_zone(name: str) -> None:
    """A time zone the deadlines can use: a mistyped one would fail every dispatch."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a time zone. Use Asia/Jakarta, Asia/Makassar or Asia/Jayapura."),
            params={"name": name},
        ) from exc


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def subtree_of(self, org: Organization) -> OrganizationQuerySet:
        return self.filter(path__startswith=org.path)

    def agencies(self) -> OrganizationQuerySet:
        return self.filter(kind__in=Organization.AGENCY_KINDS)

    def active(self) -> OrganizationQuerySet:
        return self.filter(is_active=True)

    def national(self) -> OrganizationQuerySet:
        """The installation's operator: the top-level organization(s) on which the national
        admin role is held now (an active membership of an active account); while nobody
        holds it (the last national admin's role ended, or their account was
        deactivated), those on which it was ever held.

        Every caller needs the operator itself, whoever holds its role now: it receives
        no reports (`receiving`), the role is given only there (`may_hold_national_admin`),
        its API key reads every report and the national queue is its own. So it stays
        the operator between one national admin and the next, while a role that ended on
        another top-level organization (given before that rule, or by mistake) does not
        make that one national as long as the role is held anywhere. Known by the role,
        never by a name or slug."""
        held = Membership.objects.filter(
            role=Membership.Role.NATIONAL_ADMIN, organization__parent__isnull=True
        )
        now = held.filter(is_active=True, user__is_active=True)
        here = {"organization": models.OuterRef("pk")}
        return self.filter(parent__isnull=True).filter(
            models.Exists(now.filter(**here))
            | (models.Exists(held.filter(**here)) & ~models.Exists(now))
        )

    def receiving(self) -> OrganizationQuerySet:
        """Agencies that receive reports, and so can be connected or not: neither an
        oversight body (it watches, it is not dispatched to) nor the national operator."""
        operator = Organization.objects.national().values("pk")
        return self.agencies().exclude(kind=Organization.Kind.AUDITOR).exclude(pk__in=operator)


def oversight_body(place: str, handling: Organization | None) -> Organization | None:
    """The oversight body (Ombudsman, Inspektorat) a report from the region `place` ("" if
    unknown) handled by `handling` is handed over to, or None.

    A body watches the regions it declares, and everything when it declares none. Of the
    active bodies watching the place (the handling agency's own regions when the report
    names none), one outside the handling agency's tree comes first: an inspectorate of
    the very government that let the report lapse is not who the reporter turns to while
    an independent body is there. Then the one whose region is narrowest (a province's
    Ombudsman office before a national one), then tree order.
    """
    agency = handling.agency() if handling is not None else None
    places = [place] if place else []
    if not places and agency is not None:
        places = list(agency.regions.values_list("code", flat=True))
    bodies = (
        Organization.objects.active()
        .filter(kind=Organization.Kind.AUDITOR)
        .prefetch_related("regions")
        .order_by("path")
    )
    best, best_rank = None, None
    for body in bodies:
        codes = [region.code for region in body.regions.all()]
        watched = [c for c in codes if any(region_within(p, [c]) for p in places)]
        if codes and not watched:
            continue
        independent = agency is None or not agency.contains(body)
        rank = (independent, max((len(c) for c in watched), default=0))
        if best_rank is None or rank > best_rank:
            best, best_rank = body, rank
    return best


def region_within(code: str, codes) -> bool:
    """True when the region `code` is one of `codes` or lies below one of them."""
    return any(code == c or code.startswith(c + ".") for c in codes)


def regions_within_q(codes, field: str = "region__code") -> Q:
    """Rows whose region `field` is one of `codes` or below one; never-true if none."""
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})
    return query


class Organization(models.Model):
    """A node of the one tree: an agency (instansi) or a unit below one.

    `path` is a materialized path of fixed-width steps, so "everything below X" is a
    prefix match served by an index on every database.
    """

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        AGENCY = "agency", _("agency (lembaga)")
        PROVINCE = "province", _("provincial government")
        REGENCY = "regency", _("regency government")
        CITY = "city", _("city government")
        STATE_ENTERPRISE = "state_enterprise", _("state-owned enterprise")
        UNIVERSITY = "university", _("university")
        MISSION_ABROAD = "mission_abroad", _("mission abroad")
        AUDITOR = "auditor", _("oversight body")
        DEPARTMENT = "department", _("department")
        DISTRICT = "district", _("district office")
        VILLAGE = "village", _("village office")
        DIVISION = "division", _("division")

    AGENCY_KINDS = (
        Kind.MINISTRY,
        Kind.AGENCY,
        Kind.PROVINCE,
        Kind.REGENCY,
        Kind.CITY,
        Kind.STATE_ENTERPRISE,
        Kind.UNIVERSITY,
        Kind.MISSION_ABROAD,
        Kind.AUDITOR,
    )

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="organizations", verbose_name=_("jurisdiction")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=40,
        default="Asia/Jakarta",
        validators=[validate_time_zone],
        help_text=_("Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save; a new organization gets its path, and one given another parent takes its
        whole subtree along (paths, and the monitoring facts that copy them) atomically."""
        update_fields = kwargs.get("update_fields")
        with transaction.atomic():
            if not self.path:
                super().save(*args, **kwargs)
                self.path = self._build_path()
                super().save(update_fields=["path"])
                return
            if update_fields is not None and "parent" not in update_fields:
                super().save(*args, **kwargs)
                return
            # Lock the node and its new parent: two concurrent moves cannot make a cycle.
            locked = dict(
                Organization.objects.select_for_update()
                .filter(pk__in=[self.pk, self.parent_id])
                .order_by("pk")
                .values_list("pk", "path")
            )
            stored = locked.get(self.pk)
            parent_path = locked.get(self.parent_id, "") if self.parent_id else ""
            if stored and (self.parent_id == self.pk or parent_path.startswith(stored)):
                raise ValidationError(
                    _(
                        "An organization cannot be placed below itself or below one of its "
                        "own units."
                    )
                )
            if stored:
                self.path = stored  # the copy in memory may predate another move
            super().save(*args, **kwargs)
            if stored:
                moved = parent_path + self._step()
                if moved != stored:
                    self._move_subtree(stored, moved)

    def _move_subtree(self, old: str, new: str) -> None:
        """Rewrite every path starting with `old` to start with `new` instead. No path can
        collide on the way: each ends with its own organization's id."""
        from aduan.analytics.models import ReportFact

        def moved(field: str):
            return Concat(Value(new), Substr(field, len(old) + 1), output_field=models.CharField())

        Organization.objects.filter(path__startswith=old).update(path=moved("path"))
        ReportFact.objects.filter(org_path__startswith=old).update(org_path=moved("org_path"))
        self.path = new

    def clean(self) -> None:
        """Refuse a parent that would break the tree: the organization itself or one of
        its own units (a cycle), an agency below a unit, a unit with no agency above it,
        and a name its future siblings already use."""
        errors: dict[str, str] = {}
        parent = self.parent if self.parent_id else None
        if parent is not None and self.pk and self.path:
            parent_path = Organization.objects.filter(pk=parent.pk).values_list("path", flat=True)
            if parent.pk == self.pk or (parent_path.first() or "").startswith(self.path):
                errors["parent"] = _(
                    "An organization cannot be placed below itself or below one of its own units."
                )
        if "parent" not in errors:
            problem = self._kind_problem(parent)
            if problem:
                errors["parent"] = problem
        name = (self.name or "").strip()
        if name:
            siblings = Organization.objects.filter(parent_id=self.parent_id, name__iexact=name)
            if siblings.exclude(pk=self.pk).exists():
                errors["name"] = _("There is already an organization named “%(name)s” here.") % {
                    "name": name
                }
        if errors:
            raise ValidationError(errors)

    def _kind_problem(self, parent: Organization | None) -> str | None:
        if parent is None:
            if self.kind and self.kind not in self.AGENCY_KINDS:
                return _(
                    "A department, district office, village office or division belongs "
                    "below an agency: choose its parent."
                )
            return None
        if self.kind in self.AGENCY_KINDS and parent.kind not in self.AGENCY_KINDS:
            return _(
                "An agency cannot be placed below a unit (%(parent)s): choose an agency as "
                "its parent, or none."
            ) % {"parent": parent.name}
        auditor = self.Kind.AUDITOR
        if parent.kind == auditor and self.kind in self.AGENCY_KINDS and self.kind != auditor:
            return _("Only oversight bodies and units can be placed below an oversight body.")
        return None

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_STEP

    @property
    def is_agency(self) -> bool:
        return self.kind in self.AGENCY_KINDS

    def _step(self) -> str:
        if self.pk >= 10**PATH_STEP:
            raise ValueError("Organization ids beyond the path width need a wider PATH_STEP")
        return f"{self.pk:0{PATH_STEP}d}"

    def _build_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return prefix + self._step()

    def jurisdiction_codes(self) -> list[str]:
        """The Kemendagri codes of the regions this organization declares it serves."""
        return list(self.regions.values_list("code", flat=True))

    def contains(self, other: Organization | None) -> bool:
        """True when `other` is this organization or lies below it."""
        return other is not None and other.path.startswith(self.path)

    def ancestor_paths(self) -> list[str]:
        """The paths of this organization and every organization above it, top first."""
        return [self.path[:n] for n in range(PATH_STEP, len(self.path) + 1, PATH_STEP)]

    def ancestors(self) -> OrganizationQuerySet:
        return Organization.objects.filter(path__in=self.ancestor_paths())

    def agency(self) -> Organization:
        """The nearest agency at or above this node (a unit's instansi)."""
        if self.is_agency:
            return self
        for org in self.ancestors().order_by("-path"):
            if org.is_agency:
                return org
        return self

    def current_decree(self, on: datetime.date | None = None) -> ConnectionDecree | None:
        on = on or timezone.localdate()
        return (
            self.decrees.filter(issued_on__lte=on)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
            .order_by("-issued_on")
            .first()
        )

    @property
    def is_connected(self) -> bool:
        """An agency is connected (terhubung) with a valid decree, an admin and a liaison."""
        if self.current_decree() is None:
            return False
        roles = set(
            Membership.objects.filter(
                organization__path__startswith=self.path,
                is_active=True,
                user__is_active=True,
                role__in=[Membership.Role.AGENCY_ADMIN, Membership.Role.LIAISON],
            ).values_list("role", flat=True)
        )
        return {Membership.Role.AGENCY_ADMIN, Membership.Role.LIAISON} <= roles


class ConnectionDecree(models.Model):
    """The decree (SK pengelola) that names an agency's complaint officers."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="decrees")
    number = models.CharField(_("decree number"), max_length=120)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    admin_officers = models.TextField(_("named admin officers"), blank=True)
    liaison_officers = models.TextField(_("named liaison officers"), blank=True)
    document = models.FileField(_("document"), upload_to="decrees/%Y/", blank=True)
    # Who typed it in and when: a decree connects an agency, so an auditor asks.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("connection decree")
        verbose_name_plural = _("connection decrees")
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("issued_on", "valid_until"):
            day = getattr(self, field)
            if day is not None and not DECREE_YEARS[0] <= day.year <= DECREE_YEARS[1]:
                errors.setdefault(field, []).append(
                    _("Enter a date between the years %(first)s and %(last)s.")
                    % {"first": DECREE_YEARS[0], "last": DECREE_YEARS[1]}
                )
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            errors.setdefault("valid_until", []).append(
                _("A decree cannot expire before it is issued.")
            )
        number = " ".join((self.number or "").split())
        self.number = number
        if number and self.organization_id:
            same = ConnectionDecree.objects.filter(
                organization_id=self.organization_id, number__iexact=number
            ).exclude(pk=self.pk)
            if same.exists():
                errors.setdefault("number", []).append(
                    _("This agency already has a decree numbered %(number)s.") % {"number": number}
                )
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """One role held by one user on one organization and everything below it."""

    class Role(models.TextChoices):
        NATIONAL_ADMIN = "national_admin", _("National admin")
        AGENCY_ADMIN = "agency_admin", _("Agency admin")
        LIAISON = "liaison", _("Liaison officer")
        SUPERVISOR = "supervisor", _("Supervisor")
        AUDITOR = "auditor", _("Auditor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organization}"

    def clean(self) -> None:
        if self._grants_unconfirmed_account():
            # The back office refuses this too (aduan.accounts.confirmation says why); in
            # the Django admin the operator may confirm the address on the account first.
            raise ValidationError(
                {
                    "user": _(
                        "This account has not confirmed its email address, so it cannot be "
                        "given a role yet. If you know the person reads this address, fill "
                        "in the account's “email confirmed” date first."
                    )
                }
            )
        if self.role != self.Role.NATIONAL_ADMIN or not self.organization_id:
            return
        if not may_hold_national_admin(self.organization):
            raise ValidationError({"role": national_admin_refusal()})

    def _grants_unconfirmed_account(self) -> bool:
        """Whether saving would give an active role to an account whose email is not
        confirmed (a new membership, or one switched back on)."""
        if not self.is_active or not self.user_id or self.user.email_confirmed_at is not None:
            return False
        if self._state.adding:
            return True
        return not Membership.objects.filter(pk=self.pk, is_active=True).exists()


def may_hold_national_admin(org: Organization) -> bool:
    """The national admin role acts on the whole installation, so it is held only on the
    national organization (`OrganizationQuerySet.national`); while there is none yet, on
    a top-level organization, which thereby becomes it."""
    if org.parent_id is not None:
        return False
    national = Organization.objects.national()
    return (org.pk is not None and national.filter(pk=org.pk).exists()) or not national.exists()


def national_admin_refusal() -> str:
    national = Organization.objects.national().first()
    if national is None:
        return _("The national admin role is held on a top-level organization.")
    return _(
        "The national admin role applies to the whole installation: it is held only on "
        "%(name)s, the national organization."
    ) % {"name": national.name}


class Category(models.Model):
    """A two-level tree of report categories."""

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"parent__isnull": True},
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        """The name with its parent's ("Infrastruktur › Jalan Rusak"), in the active
        language: how every page, form, export and message shows a category."""
        if self.parent_id:
            return f"{self.parent.display_name} › {self.display_name}"
        return self.display_name

    @property
    def display_name(self) -> str:
        """This category's own name in the active language: the English name while
        English is active and one is set, the Indonesian name otherwise. Stored data
        and lookups use `name` or `slug`, never this."""
        from django.utils import translation

        if self.name_en and (translation.get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.parent_id:
            raise ValidationError(_("Categories have only two levels."))


class RoutingRuleQuerySet(models.QuerySet["RoutingRule"]):
    def route(self, category: Category | None, region: Region | None) -> Organization | None:
        """The organization for a category in a region: the most specific rule wins.

        A rule for the category beats one for its parent category; a rule for a village
        beats one for its district, regency, province, or for anywhere. There is one rule
        per category and region (`RoutingRule.clean`); should older data hold two, the
        older rule wins, the same on every call.
        """
        if category is None:
            return None
        return self.route_each([category], region).get(category.pk)

    def route_each(
        self, categories: Sequence[Category], region: Region | None
    ) -> dict[int, Organization]:
        """`route` for several categories in one query: each category's organization, by
        the category's id (a category no rule covers is left out)."""
        wanted = {c.pk for c in categories} | {c.parent_id for c in categories if c.parent_id}
        region_codes = region.ancestor_codes() if region else []
        rules = list(
            self.filter(category_id__in=wanted, organization__is_active=True)
            .filter(Q(region__isnull=True) | Q(region_id__in=region_codes))
            .select_related("organization")
        )
        routed = {}
        for category in categories:
            own = [r for r in rules if r.category_id in (category.pk, category.parent_id)]
            if own:
                best = max(own, key=lambda rule: _specificity(rule, category))
                routed[category.pk] = best.organization
        return routed


def _specificity(rule: RoutingRule, category: Category) -> tuple[int, int, int]:
    region_rank = len(rule.region_id) if rule.region_id else 0
    return (region_rank, 1 if rule.category_id == category.pk else 0, -rule.pk)


class RoutingRule(models.Model):
    """Category × region → organization, the fallback when no one names a handler."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="rules", verbose_name=_("category")
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("region"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("organization"),
    )
    owner = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="owned_routing_rules",
        null=True,
        blank=True,
        help_text=_("The agency that manages this rule; empty for national rules."),
    )

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region", "organization"],
                name="routing_rule_unique",
                violation_error_message=_("This routing rule exists already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.region or '*'} → {self.organization}"

    def clean(self) -> None:
        """One rule per category and region: a second one for other target would never
        take effect (`route` could only pick one), so it is refused, naming the first."""
        if not self.category_id:
            return
        existing = (
            RoutingRule.objects.filter(category_id=self.category_id, region_id=self.region_id)
            .exclude(pk=self.pk)
            .select_related("organization")
            .first()
        )
        if existing is not None:
            raise ValidationError(
                {
                    "region": _(
                        "There is already a routing rule for this category and region: it "
                        "sends reports to %(target)s. Delete it first to send them elsewhere."
                    )
                    % {"target": existing.organization.name}
                }
            )


class ResponseTemplate(models.Model):
    """A reusable response text an organization's officers can start from."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="response_templates",
        verbose_name=_("organization"),
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
