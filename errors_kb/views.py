from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from errors_kb import dictionary_cache
from errors_kb.dictionary_cache import current_generation, entries_with_details
from errors_kb.filters import EntryFilter
from errors_kb.forms import SearchForm, first_error
from errors_kb.gaps import record_gap
from errors_kb.models import Entry, EntryStatus, Vendor, VendorKind
from errors_kb.roles import can_preview_drafts
from errors_kb.search import SearchResult
from errors_kb.search_memo import remembered_search
from portal.ratelimit import is_search, rate_limit

ENTRIES_PER_PAGE = 25
OTHERS_SHOWN = 3  # after a confident answer, only a few alternatives, and only relevant ones
RELEVANT_SCORE = 0.5


def _render_search(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "errors_kb/home.html", context, status=status)
    # A result page repeats the paste: keep it out of caches, history snapshots and search engines.
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _shown_entries(generation: int | None, result: SearchResult) -> dict[int, Entry]:
    """Full details of only the entries the page shows with their steps."""
    ids = [g.ranking.results[0].candidate.id for g in result.groups if g.ranking.confident and g.ranking.results]
    return entries_with_details(generation, ids)


@require_http_methods(["GET", "POST"])
@rate_limit("search", when=is_search)
def home(request: HttpRequest) -> HttpResponse:
    generation = current_generation()  # first: it vouches for what the caches hold
    # SIS first in the picker: teachers pick their SIS far more often than an API.
    every_vendor = dictionary_cache.every_vendor(generation)  # the picker's list and the search's names
    vendors = sorted(
        (v for v in every_vendor if v.kind != VendorKind.OTHER), key=lambda v: (v.kind != VendorKind.SIS, v.name)
    )
    context: dict = {
        "nav": "search",
        "vendors": vendors,
        "max_chars": settings.SEARCH_MAX_CHARS,
        "generation": generation,  # keys the answer's kept fragments (answer_head, answer_body)
    }
    if request.method == "GET" and "q" not in request.GET:
        return render(request, "errors_kb/home.html", context)
    form = SearchForm.from_request(request)
    # Echo at most what the search reads: an over-long paste is not sent back whole.
    context["query"] = (form.data.get("q") or "")[: settings.SEARCH_MAX_CHARS]
    context["vendor_slug"] = (form.data.get("vendor") or "")[:100]
    if not form.is_valid():
        context["error"] = first_error(form)
        return _render_search(request, context, status=400)
    result = remembered_search(
        generation,
        form.cleaned_data["q"],
        form.cleaned_data["vendor"],
        max_chars=settings.SEARCH_MAX_CHARS,
        limit=10,
        vendors=every_vendor,
    )
    record_gap(result)
    details = _shown_entries(generation, result)
    cards = []
    for group in result.groups:
        ranking = group.ranking
        top = ranking.results[0] if ranking.results else None
        best = details.get(top.candidate.id) if top and ranking.confident else None
        if best is not None:
            others = [r for r in ranking.results[1:] if r.match.exact or r.score >= RELEVANT_SCORE][:OTHERS_SHOWN]
        else:
            others = ranking.results
        cards.append({"group": group, "ranking": ranking, "best": best, "top": top, "others": others})
    by_slug = {v.slug: v for v in vendors}
    for card in cards:
        slugs = dict.fromkeys(r.candidate.vendor_slug for r in card["ranking"].results)
        card["generic_vendors"] = [by_slug[slug] for slug in slugs if slug in by_slug]
    context.update(
        result=result,
        cards=cards,
        shared_vendors=[by_slug[s] for s in result.ranking.shared_vendors if s in by_slug],
        wrong_vendor=by_slug.get(result.ranking.wrong_hint or ""),
        picked_vendor=by_slug.get(form.cleaned_data["vendor"].casefold()) or result.vendor,
    )
    return _render_search(request, context)


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
    # Staff preview drafts ("View on site" in the admin); to everyone else a draft does not exist.
    preview = can_preview_drafts(request.user)
    entries = Entry.objects.filter(vendor=vendor) if preview else Entry.objects.published().filter(vendor=vendor)
    entry = entries.with_details().filter(slug=entry_slug).first()
    if entry is None:
        entry = get_object_or_404(entries.with_details(), former_slugs__contains=[entry_slug])
    if (vendor.slug, entry.slug) != (vendor_slug, entry_slug):
        return redirect(entry, permanent=True)
    published = Entry.objects.published()
    draft = entry.status != EntryStatus.PUBLISHED
    response = render(
        request,
        "errors_kb/entry_detail.html",
        {
            "entry": entry,
            "params": {},
            "draft": draft,
            **published.related_links(entry),
            "nav": "vendors",
        },
    )
    if draft:
        # A draft is for signed-in staff: never kept by a shared cache or indexed.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response


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
