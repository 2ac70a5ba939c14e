"""Back-office forms for managing an organization: decrees, units, members, routing rules.

Each form is bound to the organization whose page it sits on and, where choices depend on
who is asking, to the user's `Access`. Views check that the user administers the
organization before any of these forms is built.
"""

from __future__ import annotations

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.organizations.access import Access, Role
from aduan.organizations.forms import CategoryChoiceField, RegionField, RegionInput
from aduan.organizations.models import (
    Category,
    ConnectionDecree,
    Membership,
    Organization,
    RoutingRule,
    may_hold_national_admin,
    region_within,
)
from aduan.workspace.forms import IndentedOrganizationField

Kind = Organization.Kind
UNIT_KINDS = (Kind.DEPARTMENT, Kind.DISTRICT, Kind.VILLAGE, Kind.DIVISION)
# Roles an agency admin may hand out inside their subtree; the rest is national business.
AGENCY_GRANTABLE_ROLES = (Role.AGENCY_ADMIN, Role.LIAISON, Role.SUPERVISOR)
SLUG_ATTEMPTS = 5


def grantable_roles(access: Access) -> tuple[str, ...]:
    """Roles this user may grant or withdraw on organizations they administer."""
    if access.is_national_admin:
        return tuple(Role.values)
    return AGENCY_GRANTABLE_ROLES


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecreeForm(forms.ModelForm):
    """A connection decree (SK pengelola) of the agency; the document is uploaded elsewhere."""

    class Meta:
        model = ConnectionDecree
        fields = ["number", "issued_on", "valid_until", "admin_officers", "liaison_officers"]
        widgets = {
            "issued_on": _date_input(),
            "valid_until": _date_input(),
            "admin_officers": forms.Textarea(attrs={"rows": 3}),
            "liaison_officers": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization: Organization, entered_by=None, **kwargs):
        kwargs.setdefault("auto_id", "id_decree_%s")
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.instance.entered_by = entered_by
        self.instance.entered_at = timezone.now()


def unique_slug(name: str) -> str:
    """A slug from `name` no organization uses yet: the slugified name, or it plus -2, -3…

    Another request may take the same slug before ours is saved; `UnitForm.save` retries.
    """
    max_length = Organization._meta.get_field("slug").max_length
    base = slugify(name)[: max_length - 8].strip("-") or "unit"
    taken = set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


class UnitForm(forms.ModelForm):
    """A new unit (department, district, village or division) directly below `parent`."""

    class Meta:
        model = Organization
        fields = ["name", "short_name", "kind"]

    def __init__(self, *args, parent: Organization, **kwargs):
        kwargs.setdefault("auto_id", "id_unit_%s")
        super().__init__(*args, **kwargs)
        self.parent = parent
        # Set before validation: the model refuses a name a sibling already has.
        self.instance.parent = parent
        self.fields["kind"].choices = [(k.value, k.label) for k in UNIT_KINDS]

    def save(self, commit: bool = True) -> Organization:
        """Save with a generated unique slug, retrying if a concurrent save took it."""
        unit = super().save(commit=False)
        unit.parent = self.parent
        unit.time_zone = self.parent.time_zone
        for attempt in range(SLUG_ATTEMPTS):
            unit.slug = unique_slug(unit.name)
            try:
                with transaction.atomic():
                    unit.save()
                return unit
            except IntegrityError:
                unit.pk, unit.path = None, ""
                if attempt == SLUG_ATTEMPTS - 1:
                    raise
        return unit


class MemberForm(forms.Form):
    """Give an existing user account a role on the organization."""

    email = forms.EmailField(label=_("Email of the user account"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organization: Organization, access: Access, **kwargs):
        kwargs.setdefault("auto_id", "id_member_%s")
        super().__init__(*args, **kwargs)
        self.organization = organization
        allowed = set(grantable_roles(access))
        if not may_hold_national_admin(organization):
            allowed.discard(Role.NATIONAL_ADMIN)
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                _("No user account has this email. Ask the officer to register first.")
            )
        if user.email_confirmed_at is None:
            # Anyone can sign up with any address: a role goes only to the person who
            # showed they read it (aduan.accounts.confirmation).
            raise forms.ValidationError(
                _(
                    "This account has not confirmed its email address yet. Ask the officer "
                    "to open the link we sent when they signed up, or have the account "
                    "created in the admin."
                )
            )
        return user

    def clean(self):
        data = super().clean()
        user, role = data.get("email"), data.get("role")
        if user and role:
            existing = Membership.objects.filter(
                user=user, organization=self.organization, role=role
            ).first()
            if existing and existing.is_active:
                raise forms.ValidationError(_("This user already holds this role here."))
            self.existing = existing
        return data

    def save(self) -> Membership:
        """Create the membership, or reactivate the inactive one for the same role."""
        existing = getattr(self, "existing", None)
        if existing is not None:
            existing.is_active = True
            existing.save(update_fields=["is_active"])
            return existing
        return Membership.objects.create(
            user=self.cleaned_data["email"],
            organization=self.organization,
            role=self.cleaned_data["role"],
        )


def rule_area(owner: Organization) -> list[str]:
    """The region codes an agency admin may write rules for on `owner`'s page: the
    jurisdiction its agency declares (none declared: nowhere, until it is declared)."""
    return owner.agency().jurisdiction_codes()


class RoutingRuleForm(forms.ModelForm):
    """Category × optional region → a target in the subtrees the user administers.

    The organization whose page the form is on becomes the rule's owner. National admins
    write rules for any region or for everywhere; an agency admin only for regions within
    its agency's declared jurisdiction, since a more specific rule there would overrule
    the rules of the agency that serves the place.
    """

    region = RegionField(
        label=_("Region"),
        required=False,
        widget=RegionInput(empty_label=_("Everywhere")),
        help_text=_("Leave empty for everywhere."),
    )

    class Meta:
        model = RoutingRule
        fields = ["category", "region", "organization"]
        field_classes = {
            "category": CategoryChoiceField,
            "organization": IndentedOrganizationField,
        }
        labels = {"organization": _("Send reports to")}

    def __init__(self, *args, owner: Organization, targets, access: Access, **kwargs):
        kwargs.setdefault("auto_id", "id_rule_%s")
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related(
            "parent"
        )
        self.fields["organization"].queryset = targets
        # None: anywhere, national admins; otherwise the codes the region must lie within.
        self.area = None if access.is_national_admin else rule_area(owner)
        if self.area is not None:
            self.fields["region"].required = True
            self.fields["region"].error_messages["required"] = _(
                "Choose a region: rules for everywhere are made by the national admin."
            )
            self.fields["region"].widget.empty_label = None
            self.fields["region"].help_text = _("A region within your agency's jurisdiction.")

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if self.area is None or region is None:
            return region
        if not region_within(region.code, self.area):
            if not self.area:
                raise forms.ValidationError(
                    _(
                        "Your agency has no declared jurisdiction yet, so it cannot have "
                        "routing rules. Ask the national admin to record the regions it serves."
                    )
                )
            raise forms.ValidationError(
                _(
                    "%(region)s lies outside your agency's jurisdiction (%(area)s). Rules for "
                    "other regions are made by the agencies serving them or the national admin."
                )
                % {
                    "region": f"{region.name} ({region.code})",
                    "area": ", ".join(sorted(self.area)),
                }
            )
        return region
