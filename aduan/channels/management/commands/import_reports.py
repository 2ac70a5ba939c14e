"""Import reports recorded elsewhere from a CSV or XLSX file; see docs/import.md."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from aduan.channels.importing import ImportFileError, import_targets, read_table, run_import


class Command(BaseCommand):
    help = "Import reports from a CSV or XLSX file in the name of an organization's admin."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV or XLSX file to import.")
        parser.add_argument(
            "--organization", required=True, help="Slug of the organization receiving them."
        )
        parser.add_argument(
            "--user", required=True, help="Email of the admin the reports are entered by."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--no-notify",
            action="store_true",
            help="Old recaps: send the reporters no 'report received' message (messages "
            "caused by the import stay in the app).",
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(_("No user with email %s.") % options["user"])
        target = next((t for t in import_targets(user) if t.key == options["organization"]), None)
        if target is None:
            raise CommandError(
                _("%(user)s is not an admin of organization %(org)s.")
                % {"user": user.email, "org": options["organization"]}
            )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %s") % path)
        try:
            table = read_table(path, path.name)
            show = options["verbosity"] > 0
            with tqdm(total=len(table.rows), unit="row", disable=not show, file=self.stderr) as bar:
                summary = run_import(
                    table,
                    user=user,
                    received_by=target.received_by,
                    dry_run=options["dry_run"],
                    progress=lambda rows: _counted(rows, bar),
                    notify_reporters=not options["no_notify"],
                )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        self._print(summary)

    def _print(self, summary) -> None:
        for error in summary.errors:
            self.stdout.write(error)
        if summary.ignored_columns:
            self.stdout.write(_("Ignored columns: %s") % ", ".join(summary.ignored_columns))
        counts = {"new": summary.new, "existing": summary.existing, "invalid": summary.invalid}
        if summary.dry_run:
            line = _(
                "Dry run, nothing written: %(new)d would be created, %(existing)d already "
                "exist, %(invalid)d with errors."
            )
        else:
            line = _("%(new)d created, %(existing)d skipped as duplicates, %(invalid)d failed.")
        line = line % counts
        style = self.style.SUCCESS if not summary.invalid else self.style.WARNING
        self.stdout.write(style(line))


def _counted(rows, bar):
    for row in rows:
        yield row
        bar.update(1)
