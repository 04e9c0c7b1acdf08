from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from errors_kb.filters import EntryFilter
from errors_kb.models import Entry, Vendor, VendorKind
from errors_kb.search import SearchInputError, SearchOutcome, search

ENTRIES_PER_PAGE = 25


def _raw_query_is_utf8(request: HttpRequest, name: str) -> bool:
    """Django replaces undecodable bytes silently; the search says so instead."""
    for pair in request.META.get("QUERY_STRING", "").split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            try:
                unquote_to_bytes(value.replace("+", " ")).decode("utf-8")
            except UnicodeDecodeError:
                return False
    return True


def _run_search(request: HttpRequest, limit: int = 10) -> SearchOutcome:
    if not _raw_query_is_utf8(request, "q"):
        raise SearchInputError("The text could not be decoded as UTF-8; paste it as plain text.")
    return search(request.GET.get("q"), request.GET.get("vendor"), max_chars=settings.SEARCH_MAX_CHARS, limit=limit)


def _result_json(ranked) -> dict:
    c = ranked.candidate
    return {
        "id": c.id,
        "url": f"/vendors/{c.vendor_slug}/{c.slug}/",
        "vendor": c.vendor_name,
        "vendor_slug": c.vendor_slug,
        "title": c.title,
        "message": c.message,
        "score": ranked.score,
        "match": ranked.kind,
        "params": ranked.match.params,
    }


@require_GET
def api_search(request: HttpRequest) -> JsonResponse:
    raw_limit = request.GET.get("limit", "10")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 50:
        return JsonResponse({"error": "limit must be a whole number from 1 to 50."}, status=400)
    try:
        outcome = _run_search(request, limit=int(raw_limit))
    except SearchInputError as error:
        return JsonResponse({"error": str(error)}, status=400)
    ranking = outcome.ranking
    return JsonResponse(
        {
            "query": outcome.query,
            "vendor": outcome.vendor.slug if outcome.vendor else None,
            "detected_vendor": outcome.detected_vendor.slug if outcome.detected_vendor else None,
            "confident": ranking.confident,
            "shared_by": ranking.shared_vendors,
            "warnings": outcome.warnings,
            "results": [_result_json(r) for r in ranking.results],
        }
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # SIS first in the picker: teachers pick their SIS far more often than an API.
    vendors = sorted(Vendor.objects.exclude(kind=VendorKind.OTHER), key=lambda v: (v.kind != VendorKind.SIS, v.name))
    context: dict = {
        "nav": "search",
        "vendors": vendors,
        "max_chars": settings.SEARCH_MAX_CHARS,
        "vendor_slug": request.GET.get("vendor", ""),
        "search_available": True,
    }
    if "q" not in request.GET:
        return render(request, "errors_kb/home.html", context)
    context["query"] = request.GET.get("q", "")
    try:
        outcome = _run_search(request)
    except SearchInputError as error:
        context["error"] = str(error)
        return render(request, "errors_kb/home.html", context, status=400)
    ranking = outcome.ranking
    best = None
    if ranking.results:
        top = ranking.results[0]
        best = Entry.objects.with_details().get(pk=top.candidate.id)
        best.params = top.match.params
        best.match_kind = top.kind
        best.score = top.score
    shared = [v for v in vendors if v.slug in ranking.shared_vendors]
    context.update(
        outcome=outcome,
        ranking=ranking,
        best=best,
        others=ranking.results[1:] if ranking.confident else ranking.results,
        shared_vendors=shared,
        vendor_slug=request.GET.get("vendor", "") or "",
    )
    return render(request, "errors_kb/home.html", context)


@require_GET
def vendor_list(request: HttpRequest) -> HttpResponse:
    vendors = Vendor.objects.with_entry_counts().order_by("kind", "name")
    return render(request, "errors_kb/vendor_list.html", {"vendors": vendors, "nav": "vendors"})


def _vendor_or_404(vendor_slug: str) -> Vendor:
    """The vendor with this slug now, or the one that had it before a rename."""
    vendor = Vendor.objects.filter(slug=vendor_slug).first()
    return vendor or get_object_or_404(Vendor, former_slugs__contains=[vendor_slug])


@require_GET
def vendor_detail(request: HttpRequest, vendor_slug: str) -> HttpResponse:
    vendor = _vendor_or_404(vendor_slug)
    if vendor.slug != vendor_slug:
        return redirect(vendor, permanent=True)
    entries = Entry.objects.published().for_vendor(vendor).with_listing().order_by("title")
    return render(request, "errors_kb/vendor_detail.html", {"vendor": vendor, "entries": entries, "nav": "vendors"})


@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    entry_filter = EntryFilter(request.GET, queryset=Entry.objects.published().with_listing())
    entries = entry_filter.qs if entry_filter.is_valid() else Entry.objects.none()
    if not entries.query.order_by:
        entries = entries.order_by("vendor__name", "title", "id")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "errors_kb/entry_list.html",
        {"filter": entry_filter, "page": page, "nav": "browse"},
        status=200 if entry_filter.is_valid() else 400,
    )


@require_GET
def entry_detail(request: HttpRequest, vendor_slug: str, entry_slug: str) -> HttpResponse:
    vendor = _vendor_or_404(vendor_slug)
    entries = Entry.objects.published().filter(vendor=vendor)
    entry = entries.with_details().filter(slug=entry_slug).first()
    if entry is None:
        entry = get_object_or_404(entries.with_details(), former_slugs__contains=[entry_slug])
    if (vendor.slug, entry.slug) != (vendor_slug, entry_slug):
        return redirect(entry, permanent=True)
    published = Entry.objects.published()
    return render(
        request,
        "errors_kb/entry_detail.html",
        {
            "entry": entry,
            "params": {},
            **published.related_links(entry),
            "nav": "vendors",
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
