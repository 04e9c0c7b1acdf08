"""Every message of the five source documents is in the loaded dictionary, with its
causes and every fix step. The documents are parsed here independently of fixtures/."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command

from errors_kb.documents import export_data
from errors_kb.matching.templates import compile_template
from tests.conftest import SOURCES_DIR, needs_sources

SEEDS = SOURCES_DIR
pytestmark = [needs_sources, pytest.mark.django_db]
DICTIONARY_VENDORS = {
    "Aeries": "aeries",
    "Aspen": "aspen",
    "Focus": "focus",
    "Infinite Campus": "infinite-campus",
    "Pinnacle": "pinnacle",
    "PowerSchool-PowerTeacher Pro": "powerschool",
    "ProgressBook": "progressbook",
    "Q-SIS": "q-sis",
    "Sapphire": "sapphire",
    "Skyward": "skyward",
    "Synergy": "synergy",
}
_STEP = re.compile(r"^(?P<indent>\s*)(?P<number>\d+)\.\s+(?P<text>.*)$")


def norm(text: str) -> str:
    """Whitespace (including no-break spaces) collapsed; nothing else changed."""
    return " ".join(text.split())


@dataclass
class SourceBlock:
    vendor: str
    title: str
    line: int
    message_lines: list[str]
    meanings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # every step, sub-steps included, in order


def _is_blank(line: str) -> bool:
    return not line.strip()


def parse_dictionary() -> list[SourceBlock]:
    lines = (SEEDS / "canvas-sis-error-code-dictionary.txt").read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "Error Message"]
    headings = {
        i: line.strip().removesuffix(" Grade Passback Error Codes")
        for i, line in enumerate(lines)
        if line.strip().endswith("Grade Passback Error Codes") and line.strip() != "SIS Error Code Dictionary"
    }
    blocks: list[SourceBlock] = []
    for number, start in enumerate(starts):
        vendor = headings[max(i for i in headings if i < start)]
        previous = start - 1
        while _is_blank(lines[previous]):
            previous -= 1
        title = lines[previous].strip()
        if _STEP.match(lines[previous]) or title.endswith("."):
            title = blocks[-1].title  # a second message under the same heading
        end_of_message = next(i for i in range(start, len(lines)) if lines[i].strip() == "What it means")
        body_start = next(i for i in range(end_of_message, len(lines)) if lines[i].strip() == "Resources") + 1
        body_end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        next_heading = min((i for i in headings if i > start), default=len(lines))
        body_end = min(body_end, next_heading)
        if number + 1 < len(starts) and body_end == starts[number + 1]:
            # stop before the next block's title line, unless that message has no title of its own
            body_end -= 1
            while body_end > body_start and _is_blank(lines[body_end]):
                body_end -= 1
            if _STEP.match(lines[body_end]) or lines[body_end].strip().endswith("."):
                body_end += 1
        block = SourceBlock(
            vendor, title, start + 1, [norm(line) for line in lines[start + 1 : end_of_message] if line.strip()]
        )
        _parse_body(block, lines[body_start:body_end])
        blocks.append(block)
    return blocks


def _parse_body(block: SourceBlock, body: list[str]) -> None:
    last_was_step = False
    for line in body:
        if _is_blank(line):
            last_was_step = False if not line.startswith("  ") else last_was_step
            continue
        step = _STEP.match(line)
        if step:
            block.steps.append(norm(step.group("text")))
            last_was_step = True
        elif last_was_step and line.startswith("    "):
            block.steps[-1] = norm(block.steps[-1] + " " + line)
        elif line.strip().startswith("Note:"):
            block.notes.append(norm(line.strip().removeprefix("Note:")))
            last_was_step = False
        elif line.strip() == block.title or norm(line) in block.message_lines:
            last_was_step = False  # a repeated heading or message inside a duplicated block
        else:
            block.meanings.append(norm(line))
            last_was_step = False


def _flat_steps(steps: list) -> list[str]:
    out = []
    for step in steps:
        if isinstance(step, str):
            out.append(norm(step))
        else:
            out.append(norm(step["text"]))
            out.extend(_flat_steps(step["steps"]))
    return out


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # transactional tests may have emptied the tables; this loads only into an empty database
        call_command("load_dictionary", verbosity=0)
        return export_data()


def _entries_for(loaded: dict, vendor_slug: str) -> list[dict]:
    return [e for e in loaded["entries"] if e["vendor"] == vendor_slug]


# Example values the dictionary prints as if they were fixed text, which the fixtures mark
# as placeholders so that a paste with another value is an exact match. Only these
# replacements (source wording -> fixture wording) are accepted, each one deliberately.
MARKED_EXAMPLES = {
    # the export's own error text follows the job id
    "ASSIGNMENT_SCORES_EXPORT - [xxxxxx] - text": "ASSIGNMENT_SCORES_EXPORT - [xxxxxx] - [error text]",
    # the state the grade exchange was last seen in
    "Last known state is: 3.": "Last known state is: [x].",
}


def _holds_line(text: str, line: str) -> bool:
    """The fixture text holds a source line as written, or with its example values marked."""
    if line in text:
        return True
    for source, fixture in MARKED_EXAMPLES.items():
        line = line.replace(source, fixture)
    return line in text


def _holding(entries: list[dict], block: SourceBlock) -> list[dict]:
    """Entries whose message (or a variant) holds a line of the block's message."""
    found = []
    for entry in entries:
        texts = [norm(entry["message"]), *(norm(v) for v in entry["variants"])]
        if any(_holds_line(text, line) for line in block.message_lines for text in texts):
            found.append(entry)
    return found


DICTIONARY_BLOCKS = parse_dictionary() if SEEDS.is_dir() else []


def test_it_reads_all_79_messages_of_the_dictionary():
    assert len(DICTIONARY_BLOCKS) == 79
    assert {b.vendor for b in DICTIONARY_BLOCKS} == set(DICTIONARY_VENDORS)


@pytest.mark.parametrize("block", DICTIONARY_BLOCKS, ids=lambda b: f"{b.vendor}:{b.line}:{b.title}")
def test_it_holds_every_dictionary_message_with_its_causes_and_steps(loaded, block):
    entries = _entries_for(loaded, DICTIONARY_VENDORS[block.vendor])
    holding = _holding(entries, block)
    assert holding, f"no entry holds the message at line {block.line}: {block.message_lines[0]!r}"
    for line in block.message_lines:
        assert any(
            _holds_line(norm(e["message"]), line) or any(_holds_line(norm(v), line) for v in e["variants"])
            for e in holding
        ), line

    fixture_steps = [s for e in holding for c in e["causes"] for s in _flat_steps(c["steps"])]
    meanings = " ".join(
        norm(c["meaning"]) + " " + norm(c["note"]) + " " + norm(e["internal_notes"])
        for e in holding
        for c in e["causes"]
    )
    curator_notes = " ".join(norm(e["internal_notes"]) for e in holding)
    for step in block.steps:
        # a step of a block the source duplicates may be recorded in the curator note instead
        assert step in fixture_steps or step in curator_notes, f"step missing: {step!r}"
    for meaning in block.meanings:
        assert meaning in meanings, f"meaning missing: {meaning!r}"
    for note in block.notes:
        assert note in meanings, f"note missing: {note!r}"
    if len(holding) == 1 and all(step in fixture_steps for step in block.steps):
        # no step invented, none lost: the same steps, as many times as the source has them
        assert Counter(fixture_steps) == Counter(block.steps)


def _clever_rows() -> list[tuple[str, int, str]]:
    rows = []
    for line in (SEEDS / "clever-lms-connect-grade-passback-errors.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1][:3].isdigit():
            rows.append((cells[0], int(cells[1][:3]), cells[2]))
    return rows


@pytest.mark.parametrize("action,status,response", _clever_rows() if SEEDS.is_dir() else [], ids=lambda v: str(v)[:40])
def test_it_holds_every_clever_response(loaded, action, status, response):
    entries = [e for e in _entries_for(loaded, "clever") if e["http_status"] == status]
    matching = [e for e in entries if norm(response) in norm(e["message"]) or norm(e["message"]) in norm(response)]
    assert matching, response
    entry = matching[0]
    assert any(norm(action) in norm(c["meaning"]) for c in entry["causes"])
    assert all(c["steps"] for c in entry["causes"])


def test_it_holds_all_15_clever_rows(loaded):
    assert len(_clever_rows()) == 15
    assert len(_entries_for(loaded, "clever")) == 15


def test_it_holds_the_8_canvas_medical_fhir_status_codes(loaded):
    text = (SEEDS / "canvas-api-http-errors.txt").read_text(encoding="utf-8")
    details = re.findall(r'"text":\s*"([^"]+)"', text)
    entries = _entries_for(loaded, "canvas-medical")
    assert sorted(e["http_status"] for e in entries) == [200, 400, 401, 403, 404, 412, 422, 500]
    for detail in details:
        assert any(detail in e["message"] for e in entries), detail
    table = re.findall(r"^(\d{3}|5XX) - (.+)$", text, re.M)
    assert len(table) == 8
    meanings = " ".join(norm(c["meaning"]) for e in entries for c in e["causes"])
    for _code, rest in table:
        # "400 - Bad RequestThe request was ...": the description starts after the status name
        description = re.split(r"(?<=[A-Za-z])(?=[A-Z](?:[a-z]|\s))", rest, maxsplit=1)[-1]
        assert norm(description) in meanings, description


def test_it_answers_every_lti_thread_finding_with_todays_canvas(loaded):
    findings = {
        # finding: (what the 2018 thread says, what an LTI entry's causes or dated note must say about it today)
        "http method": ("changed the http method", r"\bHTTP method\b"),
        "content type": ("changed the Content-Type header", r"\bContent-Type\b"),
        "signature and secret": ("incorrect secret", r"\bsecret\b"),
        "header quoting": ("double quotes", r"\bdouble quotes\b"),
        "body hash": ("oauth_body_hash", r"\boauth_body_hash\b"),
    }
    dated = "In 2018 (community thread):"
    # a step that tells the reader to send the request without the body hash
    drops_body_hash = re.compile(
        r"\b(omit|omitting|drop|dropping|remove|removing|leave out|without)\b[^.]*\boauth_body_hash\b"
        r"|\boauth_body_hash\b[^.]*\b(omitted|dropped|removed|left out)\b",
        re.IGNORECASE,
    )
    thread = norm((SEEDS / "canvas-lti11-grade-passback-422-thread.txt").read_text(encoding="utf-8")).lower()
    entries = _entries_for(loaded, "lti-1-1")
    # one entry per answer Canvas gives today, each with the message Canvas really sends
    by_status = {status: [e for e in entries if e["http_status"] == status] for status in (401, 415, 422)}
    assert all(by_status.values()), {status: len(found) for status, found in by_status.items()}
    assert any("Invalid authorization header" in e["message"] for e in by_status[401])
    assert any("Content-Type must be 'application/xml'" in e["message"] for e in by_status[415])
    assert any("imsx_codeMajor>failure" in e["message"] for e in by_status[422])
    # the old 422 page redirects to the entry that explains 422 today
    assert any("422-unprocessable-entity-grade-passback" in e["former_slugs"] for e in by_status[422])

    dated_notes = [e["notes"] for e in entries if e["notes"]]
    assert dated_notes and all(note.startswith(dated) for note in dated_notes)
    explained = " ".join(
        [norm(c["meaning"]) + " " + norm(c["note"]) for e in entries for c in e["causes"]] + dated_notes
    )
    for finding, (said, covered) in findings.items():
        assert said.lower() in thread, f"the thread no longer says {said!r}"
        assert re.search(covered, explained, re.IGNORECASE), f"no LTI cause or dated note covers the {finding}"

    for entry in entries:
        steps = [step for c in entry["causes"] for step in _flat_steps(c["steps"])]
        assert steps and all(c["steps"] for c in entry["causes"]), entry["title"]
        for step in steps:
            # the LTI 1.1 outcome service requires the body hash: dropping it is never a fix
            assert not drops_body_hash.search(step) or step.startswith("Diagnostic only"), step
        assert any(r["url"].startswith("https://") for r in entry["resources"]), entry["title"]
        assert all(r["url"].startswith(("https://", "http://")) for r in entry["resources"]), entry["title"]


def test_it_merges_the_infinite_campus_document(loaded):
    text = (SEEDS / "infinite-campus-grade-passback-errors.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    messages = []
    for i, line in enumerate(lines):
        if line.strip() == "Error Message":
            following = next(rest for rest in lines[i + 1 :] if rest.strip())
            messages.append(norm(following))
    entries = _entries_for(loaded, "infinite-campus")
    texts = [norm(t) for e in entries for t in (e["message"], *e["variants"])]
    fixed = [" ".join(compile_template(t).fixed_tokens) for t in texts]
    for message in messages:
        # the two documents write the same placeholder with different numbers of x
        wanted = " ".join(compile_template(message).fixed_tokens)
        assert any(wanted in f or f in wanted for f in fixed), message
    assert any("A Kimono Job has timed out and been cancelled." in t for t in texts)
    assert any("Data Sync Job" in t for t in texts)
    assert sum(1 for e in entries if e["resources"]) >= len(messages) - 2


def test_it_gives_every_entry_a_topic_and_a_source(loaded):
    for entry in loaded["entries"]:
        # a 200 OK is no problem family; every error has one
        assert entry["topics"] or entry["http_status"] == 200, entry["title"]
        assert entry["source"] != "curator", entry["title"]


def test_it_marks_entries_that_do_not_block_the_sync(loaded):
    text = (SEEDS / "canvas-sis-error-code-dictionary.txt").read_text(encoding="utf-8")
    said = text.count("does not prevent") + text.count("does not affect grade passback")
    assert sum(1 for e in loaded["entries"] if not e["blocks_sync"]) >= said - 2
