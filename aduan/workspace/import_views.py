"""The import page: admins upload a CSV or XLSX recap, preview it, then import it.

The preview keeps the uploaded file on the server under a random token remembered in the
officer's session; "Import now" hands that same file to a background task (an
ImportJob), which validates every row anew, so nothing parsed on the client, or stale,
is ever trusted. The job's page shows its progress and, at the end, every row's errors.
Files beyond the page's limits belong to the `import_reports` command.
"""

from __future__ import annotations

import io
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aduan.channels.importing import (
    EXTENSIONS,
    MAX_FILE_BYTES,
    ImportFileError,
    ImportSummary,
    Table,
    Target,
    import_targets,
    map_columns,
    read_table,
    run_import,
    start_job,
)
from aduan.channels.models import ImportJob
from aduan.workspace.guards import requires

MAX_ROWS_ON_PAGE = 100_000
RECENT_JOBS = 10
REFRESH_SECONDS = 2
PREVIEW_ROWS = 50
SESSION_KEY = "aduan_imports"
KEEP_SECONDS = 24 * 60 * 60

import_admin_required = requires(
    lambda access: access.is_admin, gettext_lazy("Only admins import reports.")
)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or XLSX, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    target = forms.ChoiceField(label=gettext_lazy("Receiving organization"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and show what would happen"),
        required=False,
        initial=True,
    )
    quiet = forms.BooleanField(
        label=gettext_lazy("Old recap: do not send the reporters the “report received” message"),
        required=False,
    )

    def __init__(self, *args, targets: list[Target], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {target.key: target for target in targets}
        self.fields["target"].choices = [(t.key, t.label) for t in targets]
        if len(targets) == 1:
            # Nothing to choose: the one organization this admin administers.
            self.fields["target"].widget = forms.HiddenInput()
            self.fields["target"].initial = targets[0].key
            self.fields["target"].required = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        extension = Path(upload.name).suffix.lower()
        if extension not in EXTENSIONS:
            raise forms.ValidationError(_("Only CSV and XLSX files can be imported."))
        head = upload.read(4)
        upload.seek(0)
        # An XLSX file is a zip archive; anything else claiming the name is refused early.
        if (extension == ".xlsx") != (head == b"PK\x03\x04"):
            raise forms.ValidationError(_("The file's content does not match its type."))
        return upload

    def target_choice(self) -> Target:
        key = self.cleaned_data["target"] or self.fields["target"].initial
        return self.targets[key]


@import_admin_required
def import_page(request):
    targets = import_targets(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, targets=targets)
    if request.method != "POST" or not form.is_valid():
        status = 400 if form.is_bound else 200
        return _form_page(request, form, status=status)
    upload = form.cleaned_data["file"]
    target = form.target_choice()
    data = upload.read()
    table = _table_or_error(form, data, upload.name)
    if table is None:
        return _form_page(request, form, status=400)
    quiet = form.cleaned_data["quiet"]
    if not form.cleaned_data["dry_run"]:
        job = start_job(
            user=request.user,
            target=target,
            data=data,
            name=upload.name,
            notify_reporters=not quiet,
        )
        return redirect("workspace:import_job", pk=job.pk)
    summary = run_import(table, user=request.user, received_by=target.received_by, dry_run=True)
    token = _keep(request, data, upload.name, target, quiet) if summary.new else ""
    return _summary_page(request, summary, target, upload.name, token, quiet)


@require_POST
@import_admin_required
def import_confirm(request):
    token = request.POST.get("token", "")
    kept = request.session.get(SESSION_KEY, {}).get(token)
    targets = {target.key: target for target in import_targets(request.user)}
    if not kept or kept["target"] not in targets or not _kept_path(token).is_file():
        form = ImportForm(targets=list(targets.values()))
        return _form_page(request, form, status=400, expired=True)
    try:
        job = start_job(
            user=request.user,
            target=targets[kept["target"]],
            data=_kept_path(token).read_bytes(),
            name=kept["name"],
            notify_reporters=not kept.get("quiet", False),
        )
    finally:
        _forget(request, token)
    return redirect("workspace:import_job", pk=job.pk)


@import_admin_required
def import_job(request, pk: int):
    """An import's progress, refreshing itself until it ends; then its counts and errors.
    Only admins of the receiving organization see it (others get 404)."""
    job = _jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    context = {"job": job, "refresh": 0 if job.is_finished else REFRESH_SECONDS}
    return render(request, "workspace/import_job.html", context)


def _jobs_for(user):
    slugs = [target.key for target in import_targets(user)]
    return ImportJob.objects.filter(organization__slug__in=slugs).select_related(
        "organization", "created_by"
    )


def _form_page(request, form: ImportForm, *, status: int = 200, expired: bool = False):
    context = {
        "form": form,
        "expired": expired,
        "jobs": _jobs_for(request.user)[:RECENT_JOBS],
        "limit": MAX_ROWS_ON_PAGE,
    }
    return render(request, "workspace/import.html", context, status=status)


def _table_or_error(form: ImportForm, data: bytes, name: str) -> Table | None:
    try:
        table = read_table(io.BytesIO(data), name, max_rows=MAX_ROWS_ON_PAGE)
        map_columns(table.headers)
    except ImportFileError as error:
        form.add_error("file", str(error))
        return None
    if table.more_rows:
        form.add_error(
            "file",
            _(
                "The file has more than %(limit)d rows, the most this page takes. Ask the "
                "system administrator to run the import_reports command."
            )
            % {"limit": MAX_ROWS_ON_PAGE},
        )
        return None
    return table


def _summary_page(
    request, summary: ImportSummary, target: Target, name: str, token: str, quiet: bool
):
    context = {
        "quiet": quiet,
        "summary": summary,
        "preview": summary.results[:PREVIEW_ROWS],
        "preview_rows": PREVIEW_ROWS,
        "target": target,
        "file_name": name,
        "token": token,
    }
    return render(request, "workspace/import_summary.html", context)


# --- Files kept between the preview and the import ------------------------------------


def _kept_dir() -> Path:
    return Path(settings.STATE_DIR) / "imports"


def _kept_path(token: str) -> Path:
    # The token only ever comes from our own session, and is checked to be URL-safe text.
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return _kept_dir() / "missing"
    return _kept_dir() / token


def _keep(request, data: bytes, name: str, target: Target, quiet: bool) -> str:
    token = secrets.token_urlsafe(24)
    directory = _kept_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(directory)
    _kept_path(token).write_bytes(data)
    kept = request.session.get(SESSION_KEY, {})
    kept[token] = {"name": Path(name).name, "target": target.key, "quiet": quiet}
    request.session[SESSION_KEY] = kept
    return token


def _remove_abandoned(directory: Path) -> None:
    """Previews nobody confirmed within a day are not coming back; their files go."""
    cutoff = time.time() - KEEP_SECONDS
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _forget(request, token: str) -> None:
    kept = request.session.get(SESSION_KEY, {})
    kept.pop(token, None)
    request.session[SESSION_KEY] = kept
    _kept_path(token).unlink(missing_ok=True)
