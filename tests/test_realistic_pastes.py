"""Hand-written pastes for every entry: an oracle that shares no code with the matcher.

tests/data/pastes/<vendor-slug>.jsonl holds, one JSON object a line, what a teacher or
support agent really copies out of Canvas's sync error list or the SIS, written by hand
(never filled in by the matcher's own placeholder grammar), with other values than the
examples in the source document, and with copy damage (prefixes, wraps, smart quotes):

    {"vendor": "skyward", "slug": "grading-category-not-found",
     "paste": "Grading category Quizzes not found in Skyward for section 3120.1.002 (BIO 1). ...",
     "params": {"category": "Quizzes", "section": "3120.1.002 (BIO 1)", ...},
     "vendor_hint": "Skyward"}

`params`: the values a reader expects the match to extract (keys are informal: only the
values are compared). `vendor_hint` (optional): the SIS the person picked, for messages
that several vendors word alike ("Internal Server Error", "Assignment with app id ...
cannot be created for section with app id blank"), which the text alone cannot place.
tests/data/pastes/_unrelated.jsonl: {"paste": ...} texts that are no grade passback error.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from errors_kb.search import search

PASTES_DIR = Path(__file__).resolve().parent / "data" / "pastes"
UNRELATED_FILE = PASTES_DIR / "_unrelated.jsonl"
QUOTES = "\"'\u201c\u201d\u2018\u2019`"


@dataclass(frozen=True)
class Paste:
    where: str  # file:line, for messages
    vendor: str
    slug: str
    text: str
    params: dict[str, str] = field(default_factory=dict)
    vendor_hint: str | None = None

    @property
    def entry(self) -> tuple[str, str]:
        return (self.vendor, self.slug)


def _read_jsonl(path: Path) -> list[tuple[str, dict]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(f"{path.name}:{n}", json.loads(line)) for n, line in enumerate(lines, 1) if line.strip()]


def _load_pastes() -> list[Paste]:
    pastes = []
    for path in sorted(PASTES_DIR.glob("*.jsonl")):
        if path == UNRELATED_FILE:
            continue
        for where, row in _read_jsonl(path):
            pastes.append(
                Paste(
                    where=where,
                    vendor=row["vendor"],
                    slug=row["slug"],
                    text=row["paste"],
                    params={k: str(v) for k, v in row.get("params", {}).items()},
                    vendor_hint=row.get("vendor_hint"),
                )
            )
    return pastes


PASTES = _load_pastes()
UNRELATED = [row["paste"] for _, row in _read_jsonl(UNRELATED_FILE)]


def _top(paste: Paste):
    ranking = search(paste.text, paste.vendor_hint, max_chars=settings.SEARCH_MAX_CHARS).ranking
    return ranking, (ranking.results[0] if ranking.results else None)


def _describe(paste: Paste, top) -> str:
    got = "nothing" if top is None else f"{top.candidate.vendor_slug}/{top.candidate.slug} ({top.kind})"
    return f"{paste.where} {paste.vendor}/{paste.slug}: {paste.text[:90]!r} -> {got}"


def _clean(value: str) -> str:
    return " ".join(value.split()).strip().strip(QUOTES).strip().casefold()


def _holds(extracted: str, expected: str) -> bool:
    """The extracted value is the expected one, or holds it without splitting a run of digits
    or of letters: "Unit 4 Test" in "Unit 4 Test: Fractions" and "4410872" in "s4410872",
    never "2" in "12/20/2024"."""
    before = r"(?<!\d)" if expected[:1].isdigit() else r"(?<![^\W\d_])" if expected[:1].isalpha() else ""
    after = r"(?!\d)" if expected[-1:].isdigit() else r"(?![^\W\d_])" if expected[-1:].isalpha() else ""
    return re.search(before + re.escape(expected) + after, extracted) is not None


def _missing_values(expected: dict[str, str], extracted: dict[str, str]) -> list[str]:
    """Expected values that no extracted value holds."""
    found = [_clean(v) for v in extracted.values()]
    return [v for v in expected.values() if not any(_holds(f, _clean(v)) for f in found)]


def test_it_has_files_of_pastes_and_unrelated_texts():
    assert len(PASTES) >= 200
    assert len(UNRELATED) >= 20


def test_it_has_a_hand_written_paste_for_every_published_entry(dictionary):
    from errors_kb.models import Entry

    published = set(Entry.objects.published().values_list("vendor__slug", "slug"))
    covered = {p.entry for p in PASTES}
    assert sorted(published - covered) == []
    assert [f"{p.where} {p.vendor}/{p.slug}" for p in PASTES if p.entry not in published] == []


def test_every_hand_written_paste_lands_first_and_confident(dictionary):
    """Confident, except a generic message with nothing saying which system sent it: that
    one must land first and ask "Which system sent it?" instead."""
    from errors_kb.models import Entry

    generic = set(Entry.objects.filter(is_generic=True).values_list("vendor__slug", "slug"))
    misses = []
    for paste in PASTES:
        ranking, top = _top(paste)
        landed = top is not None and (top.candidate.vendor_slug, top.candidate.slug) in {
            paste.entry,
            *(generic if paste.entry in generic else ()),
        }
        alone = paste.entry in generic and not paste.vendor_hint and ranking.detected_vendor is None
        if not landed or ranking.confident is alone or ranking.generic is not alone:
            misses.append(f"{_describe(paste, top)} confident={ranking.confident} generic={ranking.generic}")
    assert misses == [], f"{len(misses)} of {len(PASTES)} pastes missed:\n" + "\n".join(misses)


def test_every_hand_written_paste_is_an_exact_match_with_its_values(dictionary):
    misses = []
    for paste in PASTES:
        _, top = _top(paste)
        landed = top is not None and (top.candidate.vendor_slug, top.candidate.slug) == paste.entry
        missing = _missing_values(paste.params, top.match.params) if landed else list(paste.params.values())
        if not landed or top.kind != "exact" or missing:
            extracted = top.match.params if top is not None else {}
            misses.append(f"{_describe(paste, top)} missing={missing} extracted={extracted}")
    assert misses == [], f"{len(misses)} of {len(PASTES)} pastes missed:\n" + "\n".join(misses)


@pytest.mark.parametrize("text", UNRELATED, ids=[f"unrelated-{n}" for n in range(1, len(UNRELATED) + 1)])
def test_no_unrelated_text_is_answered_confidently(dictionary, text):
    ranking = search(text, max_chars=settings.SEARCH_MAX_CHARS).ranking
    top = ranking.results[0] if ranking.results else None
    assert not ranking.confident, f"{text[:80]!r} -> {top and (top.candidate.vendor_slug, top.candidate.slug)}"
