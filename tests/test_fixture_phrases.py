"""The "phrases" (also described as) and "is_generic" fields of the fixture entries, read from
fixtures/*.json as plain JSON: no database."""

import json
from collections import Counter
from http import HTTPStatus
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MAX_PHRASE_CHARS = 200  # the model's CharField and the importer's limit


def load_entries():
    entries = []
    for path in sorted(FIXTURES.glob("*.json")):
        if path.name == "topics.json":
            continue
        entries += json.loads(path.read_text(encoding="utf-8"))["entries"]
    return entries


ENTRIES = load_entries()
BY_KEY = {(entry["vendor"], entry["slug"]): entry for entry in ENTRIES}
VENDORS = sorted({entry["vendor"] for entry in ENTRIES})

# Messages that countless systems emit: bare HTTP reason phrases, shared word for word by
# several vendors, and web-framework defaults (.NET, ASP.NET Web API).
BARE_HTTP_REASON = [
    ("aeries", "internal-server-error"),  # "Internal Server Error"
    ("synergy", "internal-server-error"),  # "Internal Server Error"
]
FRAMEWORK_DEFAULTS = [
    ("skyward", "invalid-request"),  # "The request is invalid."
    ("q-sis", "object-reference-not-set"),  # "Object reference not set to an instance of an object."
    ("clever", "user-not-found"),  # "User not found": countless APIs say it
]
# Messages with words of their own, some of them wrapped around an HTTP status.
DISTINCTIVE = [
    ("powerschool", "409-error-score-entry-point-required"),
    ("canvas-medical", "404-not-found"),
    ("lti-1-1", "401-invalid-authorization-header"),
    ("sapphire", "bad-request"),
    ("skyward", "grading-category-not-found"),
]

REASON_PHRASES = {status.phrase.casefold() for status in HTTPStatus}


def entry_id(entry):
    return f"{entry['vendor']}/{entry['slug']}"


def is_bare_reason_phrase(message):
    return message.strip().rstrip(".").casefold() in REASON_PHRASES


def test_it_finds_the_fixture_entries():
    assert len(ENTRIES) > 100
    assert len(BY_KEY) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_it_gives_every_entry_two_to_four_short_phrases(entry):
    phrases = entry["phrases"]
    assert isinstance(phrases, list)
    assert 2 <= len(phrases) <= 4
    assert all(isinstance(phrase, str) for phrase in phrases)
    assert all(2 <= len(phrase.split()) <= 10 for phrase in phrases), phrases
    assert all(len(phrase) <= MAX_PHRASE_CHARS for phrase in phrases)
    assert all(phrase == phrase.strip() for phrase in phrases)


@pytest.mark.parametrize("vendor", VENDORS)
def test_it_has_no_phrase_twice_within_a_vendor(vendor):
    counts = Counter(phrase.casefold() for entry in ENTRIES if entry["vendor"] == vendor for phrase in entry["phrases"])
    assert [phrase for phrase, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_it_gives_every_entry_a_boolean_is_generic(entry):
    assert isinstance(entry["is_generic"], bool)


@pytest.mark.parametrize("key", BARE_HTTP_REASON + FRAMEWORK_DEFAULTS, ids="/".join)
def test_it_marks_the_generic_messages_generic(key):
    assert BY_KEY[key]["is_generic"] is True


@pytest.mark.parametrize("key", BARE_HTTP_REASON, ids="/".join)
def test_it_lists_messages_that_are_bare_reason_phrases(key):
    assert is_bare_reason_phrase(BY_KEY[key]["message"])


def test_it_marks_every_bare_reason_phrase_message_generic():
    bare = [key for key, entry in BY_KEY.items() if is_bare_reason_phrase(entry["message"])]
    assert sorted(bare) == sorted(BARE_HTTP_REASON)
    assert [key for key in bare if not BY_KEY[key]["is_generic"]] == []


@pytest.mark.parametrize("key", DISTINCTIVE, ids="/".join)
def test_it_keeps_distinctive_messages_not_generic(key):
    assert BY_KEY[key]["is_generic"] is False
