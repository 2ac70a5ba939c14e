"""The tree of government bodies, who works in them, and where reports go."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_STEP = 6  # characters of the materialized path per tree level


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
        if not self.path:
            with transaction.atomic():
                super().save(*args, **kwargs)
                self.path = self._build_path()
                super().save(update_fields=["path"])
            return
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_STEP

    @property
    def is_agency(self) -> bool:
        return self.kind in self.AGENCY_KINDS

    def _build_path(self) -> str:
        step = f"{self.pk:0{PATH_STEP}d}"[-PATH_STEP:] if self.pk < 10**PATH_STEP else None
        if step is None:
            raise ValueError("Organization ids beyond the path width need a wider PATH_STEP")
        prefix = self.parent.path if self.parent_id else ""
        return prefix + step

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

    class Meta:
        verbose_name = _("connection decree")
        verbose_name_plural = _("connection decrees")
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return self.number


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
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.parent_id:
            raise ValidationError(_("Categories have only two levels."))


class RoutingRuleQuerySet(models.QuerySet["RoutingRule"]):
    def route(self, category: Category | None, region: Region | None) -> Organization | None:
        """The organization for a category in a region: the most specific rule wins.

        A rule for the category beats one for its parent category; a rule for a village
        beats one for its district, regency, province, or for anywhere.
        """
        if category is None:
            return None
        categories = [category.pk] + ([category.parent_id] if category.parent_id else [])
        region_codes = region.ancestor_codes() if region else []
        rules = list(
            self.filter(category_id__in=categories, organization__is_active=True)
            .filter(Q(region__isnull=True) | Q(region_id__in=region_codes))
            .select_related("organization")
        )

        def specificity(rule: RoutingRule) -> tuple[int, int]:
            region_rank = len(rule.region_id) if rule.region_id else 0
            return (region_rank, 1 if rule.category_id == category.pk else 0)

        return max(rules, key=specificity).organization if rules else None


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
