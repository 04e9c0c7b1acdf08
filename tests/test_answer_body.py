"""A search answer's body, kept rendered with placeholders, reads exactly as rendering it with the values does."""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.template.loader import render_to_string

from errors_kb.dictionary_cache import current_generation, entries_with_details
from errors_kb.models import Vendor
from errors_kb.search import search
from errors_kb.templatetags.portal_tags import answer_body
from tests.test_realistic_pastes import PASTES_DIR


def realistic_pastes() -> list[str]:
    return [
        json.loads(line)["paste"]
        for path in sorted(PASTES_DIR.glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize("staff", [False, True])
def test_it_renders_every_answer_as_the_template_does_with_the_values(dictionary, staff):
    vendors = list(Vendor.objects.all())
    generation = current_generation()
    compared = 0
    for paste in realistic_pastes():
        ranking = search(paste, None, max_chars=20000, vendors=vendors).ranking
        if not (ranking.confident and ranking.results):
            continue
        top = ranking.results[0]
        entry = entries_with_details(generation, [top.candidate.id])[top.candidate.id]
        expected = render_to_string(
            "includes/entry_body.html", {"entry": entry, "params": top.match.params, "staff_view": staff}
        )
        context = {"staff_view": lambda: staff}
        assert answer_body(context, entry, top.match.params, generation) == expected  # rendered and kept
        assert answer_body(context, entry, top.match.params, generation) == expected  # from the kept copy
        compared += 1
    assert compared > 150


def test_it_keeps_no_value_of_the_paste(dictionary):
    vendors = list(Vendor.objects.all())
    generation = current_generation()
    paste = 'Multiple matches found for "Quixotic Lab 93847261" due on 10/17/2024 in OneRoster.'
    top = search(paste, None, max_chars=20000, vendors=vendors).ranking.results[0]
    entry = entries_with_details(generation, [top.candidate.id])[top.candidate.id]
    shown = answer_body({"staff_view": lambda: False}, entry, top.match.params, generation)
    assert "“Quixotic Lab 93847261”" in shown
    held = list(caches["fragments"]._cache.values())  # LocMemCache's own store: pickled strings
    assert held and not any(b"93847261" in kept or b"Quixotic" in kept for kept in held)
