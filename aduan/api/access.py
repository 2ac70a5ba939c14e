"""What an organization's API key may see and do, in the terms of the back office.

An API key acts for its organization, never for a person. Reports it sees follow
`Report.objects.visible_to` for that organization's staff: handled in its subtree now,
or received by it (entered through its channel, so its system can follow what its
citizen sent wherever the report goes); the national organization's key, like the
national admins, sees every report. The event that takes a report out of the subtree
(passed back, dispatched elsewhere) still reaches its system, so that the report leaves
its queue there too (`left_subtree`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from aduan.organizations.models import Membership, Organization
from aduan.reports.lifecycle import Action, Actor
from aduan.reports.models import Report, ReportEvent

SERVICE_EMAIL = "api-{pk}@service.invalid"


def reports_visible_to_organization(org: Organization):
    if Organization.objects.national().filter(pk=org.pk).exists():
        return Report.objects.all()
    received_by = ReportEvent.objects.filter(
        report=OuterRef("pk"), action=Action.SUBMIT, actor_organization__path__startswith=org.path
    )
    return Report.objects.filter(Q(organization__path__startswith=org.path) | Exists(received_by))


LEAVING_ACTIONS = (Action.DISPATCH, Action.NOT_OUR_REMIT)


def left_subtree(org: Organization) -> Q:
    """Events that took a report away from an organization of `org`'s subtree (their
    `data["from"]`): a dispatch elsewhere or a "not our remit"."""
    subtree = list(
        Organization.objects.filter(path__startswith=org.path).values_list("pk", flat=True)
    )
    return Q(action__in=LEAVING_ACTIONS, data__from__in=subtree)


def reports_received_by(org: Organization):
    """Reports that entered through the channel of `org`'s subtree: its system may relay
    what their reporter says, as the reporter would on the report's own page."""
    received = ReportEvent.objects.filter(
        report=OuterRef("pk"), action=Action.SUBMIT, actor_organization__path__startswith=org.path
    )
    return Report.objects.filter(Exists(received))


def reports_sent_by(org: Organization):
    """Reports the system of `org` itself sent through this API (its key made them, with
    its `external_id`): what only their sender may decide for them, as turning privacy
    flags on or erasing the reporter, since its own copy is the one the reporter asked
    about. Not those a unit below or above it sent, nor those its officers typed in at
    the counter (no system of theirs holds a copy), whatever the key may otherwise see."""
    from aduan.api.serializers import API_CHANNEL, channel_reference

    return Report.objects.filter(
        channel=API_CHANNEL, channel_reference__startswith=channel_reference(org, "")
    )


def relayed_reporter(report: Report) -> Actor:
    """The reporter of `report`, speaking through the system that received the report.

    That system vouches for who is speaking, as the email channel does for a known
    sender, so the lifecycle lets this actor take the reporter's actions and no others.
    """
    return Actor(user=report.reporter, is_reporter=True)


def service_actor(org: Organization) -> Actor:
    """The lifecycle actor for an organization acting through its API key.

    The lifecycle decides permissions from a user's memberships, so each organization
    gets one service user holding the liaison role on it: it may respond to reports its
    subtree handles and nothing more. The user is inactive with no usable password, so
    it can never sign in, receives no notifications and does not count as the
    organization's liaison when checking whether the agency is connected.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        email=SERVICE_EMAIL.format(pk=org.pk),
        defaults={"full_name": org.name, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    # The key is the authority: revoking it is how an admin stops the system acting.
    Membership.objects.update_or_create(
        user=user,
        organization=org,
        role=Membership.Role.LIAISON,
        defaults={"is_active": True},
    )
    return Actor(user=user)
