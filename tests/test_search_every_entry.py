"""Every entry of the dictionary: its message, filled in with realistic values, lands first."""

import random

import pytest
from django.conf import settings
from django.core.management import call_command

from errors_kb.bench.cases import entry_cases
from errors_kb.search import search


@pytest.fixture(scope="module")
def cases(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_dictionary", verbosity=0)
        return [c for c in entry_cases(seed=20261122) if c.vendors]


def test_it_has_a_case_for_every_published_entry(cases, db):
    from errors_kb.models import Entry

    assert len(cases) == Entry.objects.published().count()


def _generic_case_ids() -> set[str]:
    from errors_kb.models import Entry

    return {f"entry-{v}-{s}" for v, s in Entry.objects.filter(is_generic=True).values_list("vendor__slug", "slug")}


def test_every_filled_message_lands_first(cases, db):
    """Confident, except a generic message alone, which must ask which system sent it."""
    generic = _generic_case_ids()
    assert len(generic) >= 2
    misses = []
    for case in cases:
        ranking = search(case.query, max_chars=settings.SEARCH_MAX_CHARS).ranking
        top = ranking.results[0].candidate if ranking.results else None
        if top is None or top.vendor_slug not in case.vendors or ranking.confident is (case.id in generic):
            misses.append(f"{case.id}: {case.query[:80]!r} -> {top and (top.vendor_slug, top.title)}")
    assert misses == []


def test_every_filled_message_lands_first_with_its_vendor_named(cases, db):
    misses = []
    for case in cases:
        ranking = search(case.query, case.vendors[0], max_chars=settings.SEARCH_MAX_CHARS).ranking
        top = ranking.results[0].candidate if ranking.results else None
        if top is None or case.id != f"entry-{top.vendor_slug}-{top.slug}":
            misses.append(f"{case.id} -> {top and (top.vendor_slug, top.slug)}")
    assert misses == []


def _mangle(text: str, rng: random.Random) -> str:
    """What copying does to a message: a prefix, smart quotes, wrapped lines, changed case."""
    words = text.replace('"', "\u201c").split(" ")
    for i in range(8, len(words), 9):
        words[i] = "\n" + words[i]
    mangled = " ".join(words)
    return f"Sync to SIS failed ({rng.randrange(1000, 9999)}): {mangled.upper() if rng.random() < 0.3 else mangled}"


def test_every_message_survives_copy_and_paste_damage(cases, db):
    rng = random.Random(5)
    misses = []
    for case in cases:
        ranking = search(_mangle(case.query, rng), max_chars=settings.SEARCH_MAX_CHARS).ranking
        top = ranking.results[0].candidate if ranking.results else None
        if top is None or top.vendor_slug not in case.vendors:
            misses.append(f"{case.id} -> {top and (top.vendor_slug, top.title)}")
    assert misses == []
