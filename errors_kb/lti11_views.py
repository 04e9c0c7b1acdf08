"""The LTI 1.1 outcome request checker's page: /tools/lti11-outcome-check/ (issue 13).

The form POSTs, so neither the request nor the secret enters a URL; the secret is never sent back,
stored or logged (`sensitive_post_parameters` keeps it out of error reports too).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from errors_kb.lti11 import OutcomeCheck
from errors_kb.lti11_forms import MAX_URL_CHARS, OutcomeCheckForm, first_error
from errors_kb.lti11_request import MAX_CHARS
from errors_kb.models import Entry
from portal.ratelimit import is_post, rate_limit

TEMPLATE = "errors_kb/lti11_check.html"


def _rows(result: OutcomeCheck) -> list[dict]:
    """Each check with the title of the entry that explains its failure (one query)."""
    links = {check.id: check.link for check in result.checks if check.link}
    wanted = {(link.vendor_slug, link.entry_slug) for link in links.values()}
    titles = {}
    if wanted:
        found = (
            Entry.objects.published()
            .filter(vendor__slug__in={v for v, _ in wanted}, slug__in={s for _, s in wanted})
            .values_list("vendor__slug", "slug", "title")
        )
        titles = {(vendor, slug): title for vendor, slug, title in found}
    rows = []
    for check in result.checks:
        link = links.get(check.id)
        title = titles.get((link.vendor_slug, link.entry_slug), link.entry_slug) if link else ""
        rows.append({"check": check, "link": link, "entry_title": title})
    return rows


@sensitive_post_parameters("secret")
@require_http_methods(["GET", "POST"])
@rate_limit("lti11", when=is_post)
def outcome_check(request: HttpRequest) -> HttpResponse:
    context: dict = {"nav": "lti11", "max_chars": MAX_CHARS, "max_url_chars": MAX_URL_CHARS}
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    form = OutcomeCheckForm(request.POST)
    # The paste and the URL are shown again for editing, at most what the checker reads; the secret never is.
    context["pasted"] = (form.data.get("request") or "")[:MAX_CHARS]
    context["url"] = (form.data.get("url") or "")[:MAX_URL_CHARS]
    status = 200
    if form.is_valid():
        context["result"] = form.result
        context["rows"] = _rows(form.result)
    else:
        context["error"] = first_error(form)
        status = 400
    response = render(request, TEMPLATE, context, status=status)
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response
