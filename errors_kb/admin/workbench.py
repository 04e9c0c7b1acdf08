""" "Test a paste" on an entry: does the portal's search land a pasted error on this entry,
exactly or fuzzily, with which values, and what ranks above it?

A POST form, because pastes can carry student names and ids: they never enter a URL or a
log, and nothing is stored.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_http_methods

from errors_kb import retrieval
from errors_kb.matching.normalize import normalize
from errors_kb.matching.rank import Candidate, score_candidate
from errors_kb.matching.scoring import PreparedPaste, idf_weight
from errors_kb.models import Entry, EntryStatus, Vendor
from errors_kb.search import SearchInputError, search, validate_query


class TestPasteForm(forms.Form):
    text = forms.CharField(
        label="Pasted error",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 90, "class": "vLargeTextField"}),
        help_text="Paste the error as a teacher would: values filled in, line breaks and all. Nothing is stored.",
    )
    vendor = forms.ModelChoiceField(
        Vendor.objects.order_by("name"),
        required=False,
        empty_label="(none: as if the teacher picked no SIS)",
        label="SIS picked",
    )

    def clean_text(self) -> str:
        try:
            return validate_query(self.cleaned_data["text"], settings.SEARCH_MAX_CHARS)
        except SearchInputError as error:
            raise forms.ValidationError(str(error)) from None


def direct_match(entry: Entry, text: str) -> tuple[bool, float, dict, str]:
    """(exact, score, slot values, basis) of the paste against this entry's own templates,
    weighted as the search weighs words. Works for drafts, which the search never sees."""
    paste = normalize(text, settings.SEARCH_MAX_CHARS)
    stats = retrieval.word_statistics(list(dict.fromkeys(paste.words)))
    candidate = Candidate(
        id=entry.id,
        vendor_slug=entry.vendor.slug,
        vendor_name=entry.vendor.name,
        title=entry.title,
        slug=entry.slug,
        message=entry.message,
        variants=tuple(entry.variants),
        is_generic=entry.is_generic,
    )
    match, basis = score_candidate(candidate, PreparedPaste(paste), idf_weight(stats.template_frequency, stats.total))
    return match.exact, round(match.score, 3), match.params, basis


def explain(entry: Entry, text: str, vendor: Vendor | None) -> dict:
    """What the curator sees: per error of the paste, where this entry ranks and what is above it."""
    result = search(text, vendor.slug if vendor else None, max_chars=settings.SEARCH_MAX_CHARS, limit=10)
    groups = []
    for number, group in enumerate(result.groups, start=1):
        results = group.ranking.results
        position = next((i for i, r in enumerate(results) if r.candidate.id == entry.id), None)
        groups.append(
            {
                "number": number,
                "count": group.count,
                "confident": group.ranking.confident,
                "found": results[position] if position is not None else None,
                "rank": position + 1 if position is not None else None,
                "above": results[:position] if position is not None else results[:5],
            }
        )
    exact, score, params, basis = direct_match(entry, text)
    return {
        "groups": groups,
        "lands_first": any(g["rank"] == 1 for g in groups),
        "detected_vendor": result.detected_vendor,
        "direct": {"exact": exact, "score": score, "params": params, "basis": basis},
        "is_draft": entry.status != EntryStatus.PUBLISHED,
    }


@require_http_methods(["GET", "POST"])
def test_paste_view(request: HttpRequest, object_id: str, model_admin) -> HttpResponse:
    entry = (
        Entry.objects.select_related("vendor").filter(pk=unquote(object_id)).first() if object_id.isdigit() else None
    )
    if entry is None:
        raise Http404("No such entry.")
    if not model_admin.has_view_or_change_permission(request, entry):
        raise PermissionDenied
    form = TestPasteForm(request.POST) if request.method == "POST" else TestPasteForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": entry,
        "title": f"Test a paste: {entry.title}",
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        context["outcome"] = explain(entry, form.cleaned_data["text"], form.cleaned_data["vendor"])
    return TemplateResponse(request, "admin/errors_kb/entry_test_paste.html", context)


def urls(model_admin) -> list:
    """The entry admin's "Test a paste" URL (EntryAdmin.get_urls adds it)."""

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        return test_paste_view(request, object_id, model_admin)

    return [
        path("<path:object_id>/test-paste/", model_admin.admin_site.admin_view(view), name="errors_kb_entry_test_paste")
    ]
