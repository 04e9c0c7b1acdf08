"""The "Did this fix it?" vote: one per browser per entry, with no personal data.

The browser remembers the entries it voted on in a signed cookie (ids only); the server
keeps the counts on the entry (added with F(), so concurrent votes never lose one) and a
Feedback row with the answer and, on "No", the optional comment masked like a search gap.
No IP, no user, no session.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from errors_kb.masking import mask
from errors_kb.models import Entry, Feedback
from portal.ratelimit import rate_limit

COOKIE = "voted"
COOKIE_SALT = "errors_kb.votes"
COOKIE_MAX_AGE = 365 * 24 * 3600
COOKIE_MAX_IDS = 300  # the oldest are forgotten first: a cookie stays under 4 kB
COMMENT_MAX_CHARS = 1000  # what the box takes; stored masked, at most 500
MESSAGE_TAG = "vote"


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        error_messages={"required": "Answer Yes or No.", "invalid_choice": "Answer Yes or No."},
    )
    # What was wrong: only a "No" keeps it, masked.
    comment = forms.CharField(required=False, max_length=COMMENT_MAX_CHARS, strip=True)


def voted_ids(request: HttpRequest) -> list[int]:
    """The entries this browser voted on; an unsigned or tampered cookie counts as none."""
    try:
        raw = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [int(part) for part in raw.split(",") if part.isascii() and part.isdigit()]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request: HttpRequest, entry: Entry, status: int, text: str, level: int, **data) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"entry": entry.pk, "message": text, **data}, status=status)
    messages.add_message(request, level, text, extra_tags=MESSAGE_TAG)
    # 303: the browser follows with a GET, so reloading the page never votes twice.
    return HttpResponseRedirect(f"{entry.get_absolute_url()}#vote-{entry.pk}", status=303)


@require_POST
@rate_limit("vote")
def vote(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.published().select_related("vendor"), pk=entry_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _answer(request, entry, 400, error, messages.ERROR, recorded=False)
    voted = voted_ids(request)
    if entry.pk in voted:
        return _answer(
            request, entry, 409, "You already answered for this entry. Thank you.", messages.INFO, recorded=False
        )
    helpful = form.cleaned_data["helpful"]
    comment = "" if helpful else mask(form.cleaned_data["comment"])
    counter = "helpful_count" if helpful else "not_helpful_count"
    with transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(**{counter: F(counter) + 1})
        Feedback.objects.create(entry=entry, helpful=helpful, comment=comment)
    counts = Entry.objects.filter(pk=entry.pk).values("helpful_count", "not_helpful_count").get()
    text = "Thank you: glad it helped." if helpful else "Thank you: the curators will look at this entry again."
    response = _answer(request, entry, 200, text, messages.SUCCESS, recorded=True, helpful=helpful, **counts)
    ids = [*voted, entry.pk][-COOKIE_MAX_IDS:]
    response.set_signed_cookie(
        COOKIE,
        ",".join(str(pk) for pk in ids),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
