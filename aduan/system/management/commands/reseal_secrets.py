"""Seal the stored secrets again under the current SECRET_KEY, after a key rotation.

    SECRET_KEY=new SECRET_KEY_FALLBACKS=old python manage.py reseal_secrets

Afterwards the old key can leave SECRET_KEY_FALLBACKS (see docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from aduan.lib.sealed import reseal, sealed_fields


class Command(BaseCommand):
    help = "Seal webhook and uplink secrets again under the current SECRET_KEY."

    def handle(self, *args, **options):
        with transaction.atomic():
            for model, names in sealed_fields():
                written = reseal(model, names)
                label = model._meta.label
                self.stdout.write(f"{label}: {written} row(s) sealed again ({', '.join(names)})")
