"""/triage/ (the page) and POST /api/triage: a whole sync report in, one row per problem out.

Nothing is stored: the report is read in memory, answered and dropped; no line of it is
logged or written to the database (triage records no search gap). The page works without
JavaScript (the form POSTs and the answer page comes back, or a CSV/JSON download); with
it, static/js/triage.js POSTs the same form asking for NDJSON, shows upload and processing
progress, and puts the answer in place.

CSRF: these views change nothing and set nothing, and their answer cannot be read from
another site; they are exempt, because checking a token would make Django parse a 5 MB body
under its 1 MB form-field limit before the view runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from errors_kb import triage_export
from errors_kb.forms import first_error
from errors_kb.masking import mask
from errors_kb.models import Vendor, VendorKind
from errors_kb.roles import can_preview_drafts
from errors_kb.search import resolve_vendor
from errors_kb.triage import TriageResult, entry_details, triage, triage_steps
from errors_kb.triage_forms import FORMATS, TriageForm, read_submission, report_text
from errors_kb.triage_input import Report, TriageInputError, parse
from portal.ratelimit import is_post, rate_limit

NDJSON = "application/x-ndjson"
SHOWN_VALUES = 100  # values listed per slot on the page (the count is of all of them)
SHOWN_RANGES = 200  # runs of line numbers listed per row on the page


def _private(response: HttpResponse) -> HttpResponse:
    # An answer repeats the report's values: out of caches, history snapshots and search engines.
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _vendors() -> list[Vendor]:
    return list(Vendor.objects.all())


def _picker(vendors: list[Vendor]) -> list[Vendor]:
    return sorted((v for v in vendors if v.kind != VendorKind.OTHER), key=lambda v: (v.kind != VendorKind.SIS, v.name))


def _read(request: HttpRequest) -> tuple[TriageForm, Report]:
    """The validated form and the parsed report; TriageInputError (or a form error as one)."""
    submission = read_submission(request)
    form = TriageForm(submission.fields, upload=submission.upload)
    if not form.is_valid():
        raise TriageInputError(first_error(form))
    text = report_text(form)
    report = parse(text, column=form.cleaned_data["column"] or None, max_lines=settings.TRIAGE_MAX_LINES)
    return form, report


def _run(report: Report, vendor: Vendor | None, vendors: list[Vendor]) -> TriageResult:
    result = triage(report.records, vendors=vendors, vendor_hint=vendor)
    result.format, result.column = report.format, report.column
    entry_details(result)
    return result


def _download(result: TriageResult, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(triage_export.to_csv(result), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(triage_export.to_json(result), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="triage.{fmt}"'
    return _private(response)


def line_ranges(numbers: list[int], limit: int = SHOWN_RANGES) -> tuple[list[str], int]:
    """[3, 4, 5, 9] -> ["3–5", "9"]; and how many numbers the runs left out."""
    runs: list[str] = []
    shown = 0
    start = previous = None
    for number in numbers:
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            if len(runs) == limit:
                break
            runs.append(f"{start}–{previous}" if previous != start else str(start))
            shown += previous - start + 1
        start = previous = number
    if start is not None and len(runs) < limit:
        runs.append(f"{start}–{previous}" if previous != start else str(start))
        shown += previous - start + 1
    return runs, len(numbers) - shown


def _masked(value: str) -> str:
    """A personal value as the page shows it until "Show values" is ticked: masked, never the value."""
    masked = mask(value, max_chars=60)
    return masked if masked and masked != value else "[hidden]"


def _result_context(request: HttpRequest, result: TriageResult) -> dict:
    staff = can_preview_drafts(request.user) and request.user.has_perm("errors_kb.add_entry")
    rows = []
    for group in result.groups:
        ranges, more = line_ranges(group.line_numbers)
        slot_rows = []
        for slot in group.slots():
            shown = [
                {"value": value, "masked": _masked(value) if slot["personal"] else None, "lines": lines}
                for value, lines in slot["values"][:SHOWN_VALUES]
            ]
            slot_rows.append({**slot, "values": shown, "more": slot["distinct"] - len(shown)})
        rows.append({"group": group, "slots": slot_rows, "ranges": ranges, "more_lines": more})
    clusters = []
    for cluster in result.unknown:
        ranges, more = line_ranges(cluster.line_numbers)
        add_url = f"{reverse('admin:errors_kb_entry_add')}?{urlencode({'message': cluster.example})}" if staff else None
        clusters.append({"cluster": cluster, "ranges": ranges, "more_lines": more, "add_url": add_url})
    return {
        "result": result,
        "rows": rows,
        "clusters": clusters,
        "unknown_lines": result.lines - result.known,
        "export": {"json": result.to_dict(), "csv": triage_export.to_csv(result)},
    }


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    vendors = context.pop("vendors", None) or _vendors()
    base = {
        "nav": "triage",
        "vendors": _picker(vendors),
        "formats": FORMATS,
        "max_mb": settings.TRIAGE_MAX_BYTES / 1_048_576,
        "max_lines": settings.TRIAGE_MAX_LINES,
    }
    response = render(request, "errors_kb/triage.html", {**base, **context}, status=status)
    return _private(response) if request.method == "POST" else response


def _stream(request: HttpRequest, report: Report, vendor: Vendor | None, vendors: list[Vendor]) -> Iterator[str]:
    steps = triage_steps(report.records, vendors=vendors, vendor_hint=vendor)
    while True:
        try:
            progress = next(steps)
        except StopIteration as finished:
            result = finished.value
            break
        yield json.dumps({"progress": progress.to_dict()}) + "\n"
    result.format, result.column = report.format, report.column
    entry_details(result)
    html = render_to_string("errors_kb/triage_result.html", _result_context(request, result), request=request)
    yield json.dumps({"html": html}) + "\n"


@csrf_exempt
@require_http_methods(["GET", "POST"])
@rate_limit("triage", when=is_post)
def triage_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, {})
    streamed = NDJSON in request.headers.get("Accept", "")
    vendors = _vendors()
    context: dict = {"vendors": vendors}
    try:
        form, report = _read(request)
    except TriageInputError as error:
        if streamed:
            body = {"error": error.message, "columns": error.columns}
            return _private(JsonResponse(body, status=error.status))
        context.update(error=error.message, columns=error.columns)
        return _page(request, context, status=error.status)
    data = form.cleaned_data
    vendor = resolve_vendor(data["vendor"], vendors)
    if streamed:
        response = StreamingHttpResponse(_stream(request, report, vendor, vendors), content_type=NDJSON)
        response["X-Accel-Buffering"] = "no"
        return _private(response)
    result = _run(report, vendor, vendors)
    if data["format"] in ("csv", "json"):
        return _download(result, data["format"])
    context.update(_result_context(request, result), vendor_slug=vendor.slug if vendor else "")
    return _page(request, context)


@csrf_exempt  # a JSON API for tools; it stores nothing
@require_POST
@rate_limit("triage")
def triage_api(request: HttpRequest) -> JsonResponse:
    vendors = _vendors()
    try:
        form, report = _read(request)
    except TriageInputError as error:
        body = {"error": error.message, **({"columns": error.columns} if error.columns else {})}
        return _private(JsonResponse(body, status=error.status))
    result = triage(report.records, vendors=vendors, vendor_hint=resolve_vendor(form.cleaned_data["vendor"], vendors))
    response = JsonResponse(result.to_dict())
    patch_cache_control(response, no_store=True)
    return response
