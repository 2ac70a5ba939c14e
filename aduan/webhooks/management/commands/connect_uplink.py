"""Connect this instance to an uplink (e.g. the national instance), or update the link."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from aduan.organizations.models import Organization
from aduan.webhooks.models import Uplink


class Command(BaseCommand):
    help = (
        "Record an uplink this instance forwards reports to: its address, the API key it "
        "issued to one of our organizations, and the secret it signs its webhooks with."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name, part of the webhook address.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="The uplink's base address.")
        parser.add_argument("--organization", required=True, help="Slug of our organization.")
        parser.add_argument("--api-key", required=True)
        parser.add_argument("--webhook-secret", required=True)

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['organization']!r}.")
        uplink, created = Uplink.objects.update_or_create(
            slug=options["slug"],
            defaults={
                "name": options["name"],
                "base_url": options["url"],
                "organization": organization,
                "api_key": options["api_key"],
                "webhook_secret": options["webhook_secret"],
                "is_active": True,
            },
        )
        path = reverse("webhooks:receive", args=[uplink.slug])
        self.stdout.write(
            f"{'Connected' if created else 'Updated'} {uplink.name}. Ask its admins to add a "
            f"webhook for {organization.name} pointing at <this site>{path}."
        )
