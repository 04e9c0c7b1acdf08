"""What a curator's save costs: real change-form POSTs through Django's test client (a
signed-in superuser changing an entry's title and one step), beside the full recount of the
search-word counts that every admin save paid before the index became incremental.

The entry is left as it was: saves alternate between the edited and the original text, and
the last one writes the original back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from errors_kb import search_index
from errors_kb.models import Entry

SAVES = 40  # timed, after two untimed ones
REBUILDS = 5
BENCH_USER = "bench-curator"
# the entry edited: a real one with ordered steps (any published one with steps otherwise)
PREFERRED = ("skyward", "grading-category-not-found")


@dataclass
class AdminSaveRun:
    saves_ms: list[float] = field(default_factory=list)
    rebuild_ms: list[float] = field(default_factory=list)
    entry: str = ""


class _FormFields(HTMLParser):
    """The name/value pairs a browser submits from the form with id `form_id` (no JavaScript)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.pairs: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag in ("input", "textarea", "select"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
                return
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # a browser drops the newline right after <textarea> (Django's widget writes one)
            self.pairs.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.pairs += [(name, value) for value in chosen]
            self._select = None


def form_data(html: str, form_id: str = "entry_form") -> dict[str, list[str]]:
    """What submitting the page's form unchanged would POST (the tests use it too)."""
    parser = _FormFields(form_id)
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        if "__prefix__" not in name:  # the inline's empty template form
            data.setdefault(name, []).append(value)
    return data


def _entry() -> Entry:
    published = Entry.objects.published().filter(causes__steps__isnull=False).select_related("vendor")
    entry = published.filter(vendor__slug=PREFERRED[0], slug=PREFERRED[1]).first()
    return entry or published.order_by("id").first()


def measure_admin_saves(saves: int = SAVES, rebuilds: int = REBUILDS) -> AdminSaveRun:
    run = AdminSaveRun()
    entry = _entry()
    if entry is None:
        return run
    run.entry = f"{entry.vendor.slug}/{entry.slug}"
    user, _ = User.objects.get_or_create(username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True})
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
        page = client.get(url)
        if page.status_code != 200:
            raise RuntimeError(f"admin change form of {run.entry}: HTTP {page.status_code}")
        original = form_data(page.content.decode())
        edited = {
            **original,
            "title": [original["title"][0] + " revised"],
            "causes-0-steps_text": [original["causes-0-steps_text"][0] + "\nRecheck the roster afterwards."],
            "_save": ["Save"],
        }
        restore = {**original, "_save": ["Save"]}
        total = saves + 2 + (saves % 2)  # an even number of saves ends on the original text
        for number in range(total):
            data = edited if number % 2 == 0 else restore
            start = time.perf_counter()
            response = client.post(url, data)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 302:
                raise RuntimeError(f"admin save of {run.entry} was refused (HTTP {response.status_code})")
            if number >= 2:
                run.saves_ms.append(elapsed)
    for _ in range(rebuilds):
        with transaction.atomic():
            start = time.perf_counter()
            search_index.rebuild()
            run.rebuild_ms.append((time.perf_counter() - start) * 1000)
    return run
