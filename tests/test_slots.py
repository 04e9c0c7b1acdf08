"""Slot kinds: every variable part of every fixture message has a name and a label in
words, fill.py takes its values from the registry, and fix steps show a value only where
the sentence still reads right. Plain Python: fixtures are read as files, no database."""

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from errors_kb.matching import slots
from errors_kb.matching.fill import fill
from errors_kb.matching.normalize import normalize
from errors_kb.matching.scoring import PreparedPaste, exact_match
from errors_kb.matching.templates import compile_template, named_placeholders
from errors_kb.templatetags.portal_tags import with_values

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ENTRIES = [
    entry
    for path in sorted(FIXTURES.glob("*.json"))
    if path.name != "topics.json"
    for entry in json.loads(path.read_text(encoding="utf-8"))["entries"]
]
TEXTS = [(f"{e['vendor']}/{e['slug']}", text) for e in ENTRIES for text in [e["message"], *e["variants"]]]


def test_it_gives_every_title_once_per_vendor():
    titles = Counter((entry["vendor"], entry["title"]) for entry in ENTRIES)
    assert [f"{vendor}: {title}" for (vendor, title), count in titles.items() if count > 1] == []


def test_it_names_every_slot_of_every_fixture_message_after_a_kind():
    unnamed = []
    for where, text in TEXTS:
        names = [name for _, name in named_placeholders(compile_template(text).text)]
        assert len(names) == len(set(names)), (where, names)
        unnamed += [f"{where}: {text[:60]!r}" for name in names if name.removeprefix("other_") == slots.FALLBACK]
    assert unnamed == []


def test_it_labels_every_kind_in_words():
    for name, kind in slots.KINDS.items():
        assert kind.label[0].isupper() and "_" not in kind.label, name
        assert kind.samples, name
    assert slots.slot_label("student_id") == "Student ID"
    assert slots.slot_label("other_result_id") == "Other result ID"
    assert slots.slot_label("assignment", "Unit 3 Quiz") == "Assignment"
    assert slots.slot_label("assignment", "88213") == "Assignment ID"


@pytest.mark.parametrize("where,text", TEXTS, ids=[where for where, _ in TEXTS])
def test_it_fills_every_message_with_values_its_template_reads_back(where, text):
    template = compile_template(text)
    names = [slot.name for gap in template.gaps for slot in gap]
    filled = fill(text, random.Random(7))
    found = exact_match(template, PreparedPaste(normalize(filled)))
    assert found is not None, filled
    # every slot with a value that has words reads back (a filled-in space or comma has none)
    wanted = {name for name in names if name != "character"}
    assert wanted <= set(found.params), (filled, found.params)


def test_it_fills_slots_with_the_samples_of_their_kind():
    filled = fill("Grading category [xxxxx] not found for assignment [assignment name]", random.Random(1))
    category, assignment = filled.removeprefix("Grading category ").split(" not found for assignment ")
    assert category in slots.KINDS["category"].samples
    assert assignment in slots.KINDS["assignment"].samples


def test_it_shows_an_assignment_name_after_assignment_but_never_an_id():
    step = "In Canvas, turn off Sync to SIS for the assignment."
    assert "“Unit 3 Quiz”" in with_values(step, {"assignment": "Unit 3 Quiz"})
    assert "88213" not in with_values(step, {"assignment": "88213"})
    assert "88213" not in with_values(step, {"assignment_id": "88213"})
    assert "88213" in with_values("Look up the assignment ID in Canvas.", {"assignment_id": "88213"})


def test_it_shows_values_after_the_words_their_kind_follows():
    step = (
        "Either conclude the student from the section in Canvas, or add the student to the Skyward section gradebook."
    )
    shown = with_values(step, {"student_id": "204518", "section": "3120.1.002 (BIO 1)"})
    assert "204518" not in shown
    assert shown.count("3120.1.002 (BIO 1)") == 1 and shown.index("section") < shown.index("3120.1.002")
    step = "In Canvas, verify the assignment group names match the grading categories in Skyward."
    shown = with_values(step, {"category": "Homework", "assignment": "Unit 3 Quiz"})
    assert "groups? “Unit 3 Quiz”" not in shown and "assignment “Unit 3 Quiz” group" not in shown
    assert shown.index("assignment group") < shown.index("Homework")
    assert (
        with_values("In Canvas, add or update the assignment due date.", {"due_date": "09/22/2025"}).count("09/22/2025")
        == 1
    )


def test_it_escapes_values_in_steps():
    shown = with_values("Rename the assignment.", {"assignment": "<b>Quiz</b>"})
    assert "<b>" not in shown and "&lt;b&gt;Quiz&lt;/b&gt;" in shown
