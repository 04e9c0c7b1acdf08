"""What one search may cost, whatever is pasted: time, memory and database queries.

The bounds here are generous guards against blow-ups (a search that builds every
one-letter-deleted copy of a giant word, or ranks every line against every candidate);
the real targets (p95 at 100,000 entries) are measured by `make bench`.
"""

import time
from pathlib import Path

import pytest
from django.conf import settings

from errors_kb.bench.cases import entry_facts, load_entry_pastes, twenty_error_reports
from errors_kb.bench.crafted import ORDINARY, crafted_pastes
from errors_kb.bench.measure import peak_memory_mb
from errors_kb.search import search

PASTES_DIR = Path(__file__).resolve().parent / "data" / "pastes"
CRAFTED = crafted_pastes(settings.SEARCH_MAX_CHARS, PASTES_DIR)
RUNS = 3
MAX_SECONDS = 1.5
MAX_EXTRA_MB = 64
MAX_QUERIES = 5


def _search(text: str):
    return search(text, None, max_chars=settings.SEARCH_MAX_CHARS, limit=10)


def test_the_crafted_pastes_are_at_the_length_cap():
    assert {p.name for p in CRAFTED} >= {"giant_word", "distinct_words", "repeated_message", "near_messages"}
    for paste in CRAFTED:
        assert len(paste.text) == settings.SEARCH_MAX_CHARS, paste.name
        assert paste.text == paste.text.strip(), paste.name
    assert next(p for p in CRAFTED if p.name == "giant_word").words == 1
    assert next(p for p in CRAFTED if p.name == "distinct_words").words > 2000
    assert next(p for p in CRAFTED if p.name == "repeated_message").lines >= 200


@pytest.mark.parametrize("paste", CRAFTED, ids=[p.name for p in CRAFTED])
def test_a_worst_case_paste_is_searched_in_bounded_time_and_memory(paste, dictionary, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        _search(paste.text)
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = _search(paste.text)
        seconds.append(time.perf_counter() - started)
        result.to_dict()
    extra_mb = peak_memory_mb(lambda: _search(paste.text)) - peak_memory_mb(lambda: _search(ORDINARY))
    measured = f"{paste.name}: {[round(s, 3) for s in seconds]} s, {extra_mb:.1f} MB peak over an ordinary paste's"
    assert max(seconds) < MAX_SECONDS and extra_mb < MAX_EXTRA_MB, measured


def test_a_single_error_paste_takes_at_most_five_queries(dictionary, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        result = _search(ORDINARY)
    assert result.confident


def test_a_single_error_paste_with_a_vendor_picked_takes_at_most_five_queries(
    dictionary, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        search(ORDINARY, "skyward", max_chars=settings.SEARCH_MAX_CHARS, limit=10)


@pytest.fixture
def report20(dictionary):
    reports = twenty_error_reports(load_entry_pastes(PASTES_DIR), entry_facts(), reports=1)
    assert reports, "tests/data/pastes/ holds too few pastes to build a 20-error report"
    return reports[0]


def test_a_twenty_error_paste_takes_at_most_five_queries(report20, django_assert_max_num_queries):
    assert len(report20.expect) == 20 and len(report20.query.splitlines()) == 21
    with django_assert_max_num_queries(MAX_QUERIES):
        result = _search(report20.query)
    assert len(result.groups) > 1


def test_a_twenty_error_paste_is_searched_in_bounded_time(report20):
    _search(report20.query)
    started = time.perf_counter()
    _search(report20.query)
    assert time.perf_counter() - started < MAX_SECONDS
