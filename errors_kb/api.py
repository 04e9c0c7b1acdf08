"""JSON API: /api/search (paste search), /api/vendors, /api/entries (the /entries/ filters), /api/entries/<id>."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from errors_kb.dictionary_cache import current_generation, every_vendor
from errors_kb.documents import entry_to_dict
from errors_kb.filters import EntryFilter
from errors_kb.forms import PageForm, SearchForm, first_error
from errors_kb.gaps import record_gap
from errors_kb.models import Entry, Vendor
from errors_kb.search_memo import remembered_search
from portal.ratelimit import rate_limit

PAGE_SIZE = 50


def _page(request: HttpRequest, items, serialize) -> JsonResponse:
    form = PageForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400)
    number = form.cleaned_data["page"]
    paginator = Paginator(items, PAGE_SIZE)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return JsonResponse({"error": f"page {number} is past the last page ({paginator.num_pages})."}, status=404)

    def link(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return JsonResponse(
        {
            "count": paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [serialize(item) for item in page.object_list],
        }
    )


def _vendor_json(vendor: Vendor) -> dict:
    return {
        "slug": vendor.slug,
        "name": vendor.name,
        "kind": vendor.kind,
        "aliases": vendor.aliases,
        "description": vendor.description,
        "entry_count": vendor.entry_count,
        "url": vendor.get_absolute_url(),
    }


def _entry_summary(entry: Entry) -> dict:
    return {
        "id": entry.id,
        "url": entry.get_absolute_url(),
        "vendor": entry.vendor.name,
        "vendor_slug": entry.vendor.slug,
        "title": entry.title,
        "message": entry.message,
        "http_status": entry.http_status,
        "error_code": entry.error_code or None,
        "blocks_sync": entry.blocks_sync,
        "topics": [topic.slug for topic in entry.topics.all()],
    }


@csrf_exempt  # a JSON API for tools; it sets no cookie and changes nothing but a masked gap count
@require_http_methods(["GET", "POST"])
@rate_limit("search")
def search_view(request: HttpRequest) -> JsonResponse:
    form = SearchForm.from_request(request)
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400)
    generation = current_generation()  # first: it vouches for what the caches hold
    result = remembered_search(
        generation,
        form.cleaned_data["q"],
        form.cleaned_data["vendor"],
        max_chars=settings.SEARCH_MAX_CHARS,
        limit=form.cleaned_data["limit"],
        vendors=every_vendor(generation),
    )
    record_gap(result)
    response = JsonResponse(result.to_dict(limit=form.cleaned_data["limit"]))
    patch_cache_control(response, no_store=True)
    return response


@require_GET
def vendors(request: HttpRequest) -> JsonResponse:
    return _page(request, Vendor.objects.with_entry_counts().order_by("name"), _vendor_json)


@require_GET
def entries(request: HttpRequest) -> JsonResponse:
    entry_filter = EntryFilter(request.GET, queryset=Entry.objects.published().with_listing())
    if not entry_filter.is_valid():
        problems = {field: [str(e) for e in errors] for field, errors in entry_filter.errors.items()}
        return JsonResponse({"error": "invalid filter", "fields": problems}, status=400)
    found = entry_filter.qs
    if not found.query.order_by:
        found = found.order_by("vendor__name", "title", "id")
    return _page(request, found, _entry_summary)


@require_GET
def entry(request: HttpRequest, entry_id: int) -> JsonResponse:
    found = get_object_or_404(Entry.objects.published().with_details(), pk=entry_id)
    return JsonResponse({"id": found.id, "url": found.get_absolute_url(), **entry_to_dict(found)})
