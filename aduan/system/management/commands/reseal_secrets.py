"""Seal the stored secrets again under the current SECRET_KEY, after a key rotation.

    SECRET_KEY=new SECRET_KEY_FALLBACKS=old python manage.py reseal_secrets

Afterwards the old key can leave SECRET_KEY_FALLBACKS (see docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from aduan.accounts.models import AppDevice
from aduan.lib.sealed import reseal, seal_bytes, sealed_fields


class Command(BaseCommand):
    help = (
        "Seal webhook and uplink secrets and authenticator apps' keys again under the "
        "current SECRET_KEY."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            for model, names in sealed_fields():
                written = reseal(model, names)
                label = model._meta.label
                self.stdout.write(f"{label}: {written} row(s) sealed again ({', '.join(names)})")
            written = _reseal_app_keys()
            self.stdout.write(f"{AppDevice._meta.label}: {written} row(s) sealed again (key)")


def _reseal_app_keys() -> int:
    """Authenticator apps' keys (`AppDevice`), clear ones included."""
    written = 0
    for device in AppDevice.objects.select_for_update().only("pk", "key").iterator():
        key = seal_bytes(device.bin_key)
        written += AppDevice.objects.filter(pk=device.pk).update(key=key)
    return written
