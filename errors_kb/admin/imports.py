"""Import and export in the admin: upload a file in the import format, read the dry-run
report (created / updated / unchanged / kept because edited, or the problems of each bad
record), then apply it; or download the dictionary as the export command writes it.

The same code path as `manage.py import_entries` and `export_entries`: errors_kb/importing.py
and errors_kb/documents.py. A dry run is the real import, rolled back.
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from errors_kb.documents import ImportFileError, export_text, load_json
from errors_kb.importing import CREATED, KEPT, UNCHANGED, UPDATED, ImportReport, dry_run, import_data

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Uploaded files wait here between the dry run and "Apply": the file input cannot be sent
# again, and gunicorn's workers share the machine's temporary directory, not their memory.
PENDING_DIR = Path(tempfile.gettempdir()) / "gpp-admin-imports"
PENDING_MAX_AGE_SECONDS = 24 * 3600
SESSION_KEY = "errors_kb_pending_imports"
TOKEN = re.compile(r"[0-9a-f]{32}")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A JSON file in the import format (what Export or manage.py export_entries writes), at most 10 MB.",
    )
    overwrite_curated = forms.BooleanField(
        required=False,
        label="Also overwrite what curators edited",
        help_text="Without it, vendors, topics and entries edited here since their last import are kept.",
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; an import takes at most "
                f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it by vendor (export_entries --vendor SLUG)."
            )
        raw = upload.read()
        try:
            self.document = load_json(raw, upload.name)
        except ImportFileError as error:
            raise forms.ValidationError(error.problems) from None
        return raw


class ApplyForm(forms.Form):
    token = forms.RegexField(regex=TOKEN, max_length=32, widget=forms.HiddenInput)
    overwrite_curated = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _check_import_permission(model_admin, request: HttpRequest) -> None:
    # Importing creates and changes entries: both rights, as the Curators group has.
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied


def _context(model_admin, request: HttpRequest, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "upload_description": (
            "You first see a dry run: what the file would create, update, or keep because a curator edited it."
        ),
        **extra,
    }


def _report_rows(report: ImportReport) -> list[dict]:
    """One row per kind of record: how many of each outcome, and the records that change."""
    rows = []
    for kind, plural in (("vendor", "Vendors"), ("topic", "Topics"), ("entry", "Entries")):
        rows.append(
            {
                "kind": plural,
                "created": report.labels(kind, CREATED),
                "updated": report.labels(kind, UPDATED),
                "unchanged": report.count(kind, UNCHANGED),
                "kept": report.labels(kind, KEPT),
            }
        )
    return rows


def _forget_stale_files() -> None:
    if not PENDING_DIR.is_dir():
        return
    for stale in PENDING_DIR.glob("*.json"):
        if time.time() - stale.stat().st_mtime > PENDING_MAX_AGE_SECONDS:
            stale.unlink(missing_ok=True)


def _keep_pending(request: HttpRequest, raw: bytes) -> str:
    _forget_stale_files()
    PENDING_DIR.mkdir(mode=0o700, exist_ok=True)
    token = uuid.uuid4().hex
    (PENDING_DIR / f"{token}.json").write_bytes(raw)
    # Only the session that uploaded a file may apply it.
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-4:], token]
    return token


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, model_admin) -> HttpResponse:
    """GET: the upload form. POST: the dry run's report, with "Apply" when the file is good."""
    _check_import_permission(model_admin, request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context = _context(model_admin, request, "Import entries", form=form)
    if request.method == "POST" and form.is_valid():
        overwrite = form.cleaned_data["overwrite_curated"]
        context["file_name"] = request.FILES["file"].name
        try:
            report = dry_run(form.document, overwrite_curated=overwrite)
        except ImportFileError as error:
            context["problems"] = error.by_record()
        else:
            token = _keep_pending(request, form.cleaned_data["file"])
            context["report_rows"] = _report_rows(report)
            context["apply_form"] = ApplyForm(initial={"token": token, "overwrite_curated": overwrite})
    return TemplateResponse(request, "admin/errors_kb/entry_import.html", context)


@require_POST
def apply_view(request: HttpRequest, model_admin) -> HttpResponse:
    """Import the file the dry run reported on, for real, and go back to the entry list."""
    _check_import_permission(model_admin, request)
    form = ApplyForm(request.POST)
    pending = request.session.get(SESSION_KEY, [])
    if not form.is_valid() or form.cleaned_data["token"] not in pending:
        messages.error(request, "That import is no longer waiting to be applied; upload the file again.")
        return HttpResponseRedirect(reverse("admin:errors_kb_entry_import"))
    token = form.cleaned_data["token"]
    stored = PENDING_DIR / f"{token}.json"
    if not stored.is_file():
        messages.error(request, "That import is no longer waiting to be applied; upload the file again.")
        return HttpResponseRedirect(reverse("admin:errors_kb_entry_import"))
    try:
        # Validated again: the database may have changed since the dry run.
        report = import_data(
            load_json(stored.read_bytes(), "file"), overwrite_curated=form.cleaned_data["overwrite_curated"]
        )
    except ImportFileError as error:
        context = _context(model_admin, request, "Import entries", form=ImportForm(), problems=error.by_record())
        return TemplateResponse(request, "admin/errors_kb/entry_import.html", context)
    stored.unlink(missing_ok=True)
    request.session[SESSION_KEY] = [t for t in pending if t != token]
    messages.success(request, f"Imported: {report.summary()}.")
    for kept in report.kept_curated:
        messages.warning(request, f"Kept because a curator edited it: {kept.kind} {kept.label}")
    return HttpResponseRedirect(reverse("admin:errors_kb_entry_changelist"))


@require_GET
def export_view(request: HttpRequest, model_admin) -> HttpResponse:
    """The whole dictionary as export_entries writes it (internal notes included: staff only)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    response = HttpResponse(export_text(), content_type="application/json; charset=utf-8")
    name = f"grade-passback-errors-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def urls(model_admin) -> list:
    """The entry admin's import and export URLs (EntryAdmin.get_urls adds them)."""
    site = model_admin.admin_site

    def view(function):
        return site.admin_view(lambda request: function(request, model_admin))

    return [
        path("import/", view(import_view), name="errors_kb_entry_import"),
        path("import/apply/", view(apply_view), name="errors_kb_entry_import_apply"),
        path("export/", view(export_view), name="errors_kb_entry_export"),
    ]
