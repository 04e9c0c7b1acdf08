"""Benchmark support: a synthetic dictionary generator, paste cases, and baseline searches.

The synthetic entries read like real SIS sync errors (an object, what went wrong, the
SIS's own wording around it, placeholders), drawn from a seeded generator so every run
builds the same dictionary. They are distractors: cases are still about the real
entries, which must stay on top however many look-alikes surround them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.db.models import Q

from errors_kb.matching.fill import fill
from errors_kb.matching.index import entry_search_tokens
from errors_kb.matching.templates import compile_template, display_parts
from errors_kb.models import Entry, EntryStatus, SourceDocument, Vendor, VendorKind

SYNTHETIC_VENDOR_PREFIX = "synthetic-sis-"

_SUBJECTS = [
    "Assignment [xxxxxx]",
    "Section [xxxxxx]",
    "Student [xxxxx]",
    "Gradebook for section [xxxxxx]",
    'Grading category "[xxxxx]"',
    "Line item [id]",
    "Score for student [xxxxx]",
    "Term [xxxx]",
    "Class [xxxxxx]",
    "Grading period [xx]",
    "Course [xxxxxx]",
    "Teacher [xxxxx]",
    "Result [id]",
    "Roster entry [id]",
    "Standard [xxxx]",
    "Comment for assignment [xxxxxx]",
    "Attendance code [xx]",
    "Report card column [xxxx]",
    "Category weight [xx]",
    "Enrollment [id]",
]
_PROBLEMS = [
    "could not be {verb} because {reason}",
    "was rejected: {reason}",
    "is {state} in {place}",
    "cannot be {verb} while {reason}",
    "failed validation: {reason}",
    "does not match {place}",
    "has no {attribute} in {place}",
    "is missing the {attribute}",
    "already exists in {place}",
    "exceeds the maximum {attribute}",
    "was not found in {place} for {other}",
    "is {state} and cannot be {verb}",
]
_VERBS = ["created", "updated", "deleted", "synced", "posted", "exported", "imported", "scored", "linked", "published"]
_STATES = [
    "locked",
    "closed",
    "archived",
    "inactive",
    "hidden",
    "read only",
    "out of date",
    "pending review",
    "suspended",
]
_PLACES = [
    "the district gradebook",
    "the posting window",
    "the current term",
    "the teacher gradebook",
    "the roster export",
    "the OneRoster feed",
    "the report card setup",
    "the attendance module",
    "the standards gradebook",
    "the class schedule",
    "the scheduling module",
    "the grading setup",
]
_ATTRIBUTES = [
    "due date",
    "point value",
    "grade scale",
    "category weight",
    "external id",
    "sourcedId",
    "term code",
    "section number",
    "teacher of record",
    "score type",
    "max score",
    "assignment type",
    "rubric",
]
_REASONS = [
    "the grading period is closed",
    "the teacher is not assigned to the section",
    "the score is above the max score",
    "the due date is before the term start",
    "the category has no weight",
    "the student withdrew on [xx/xx/xxxx]",
    "the record was modified by another user",
    "the token has expired",
    "the request body is too large",
    "the external id is already in use",
    "the posting window ended on [xx/xx/xxxx]",
    "the section is merged",
    "the assignment type is not allowed",
    "the rubric is not published",
    "the standard is inactive",
]
_PREFIXES = ["", "", "", "ERROR: ", "Sync failed - ", "[{code}] ", "HTTP {status}: ", "Export job [id]: ", "Warning: "]
_SUFFIXES = [
    "",
    "",
    ".",
    ". Please contact your administrator.",
    ". Retry the sync later.",
    ". See the integration log for details.",
    " (code {code}).",
    ". No changes were made.",
]


def synthetic_message(rng: random.Random) -> str:
    problem = rng.choice(_PROBLEMS).format(
        verb=rng.choice(_VERBS),
        reason=rng.choice(_REASONS),
        state=rng.choice(_STATES),
        place=rng.choice(_PLACES),
        attribute=rng.choice(_ATTRIBUTES),
        other=rng.choice(_SUBJECTS).lower(),
    )
    prefix = rng.choice(_PREFIXES).format(code=f"E{rng.randrange(100, 9999)}", status=rng.choice([400, 409, 422, 500]))
    suffix = rng.choice(_SUFFIXES).format(code=f"{rng.choice('ABCDEFGH')}{rng.randrange(10, 999)}")
    return f"{prefix}{rng.choice(_SUBJECTS)} {problem}{suffix}"


def synthetic_entries(count: int, seed: int = 7) -> Iterator[tuple[int, str, str]]:
    """(vendor number, title, message) triples; messages unique, none a real template."""
    rng = random.Random(seed)
    real = {
        compile_template(m).fixed_tokens
        for m in Entry.objects.exclude(vendor__slug__startswith=SYNTHETIC_VENDOR_PREFIX).values_list(
            "message", flat=True
        )
    }
    seen: set[str] = set()
    produced = 0
    while produced < count:
        message = synthetic_message(rng)
        if message in seen or compile_template(message).fixed_tokens in real:
            continue
        seen.add(message)
        words = message.split()
        title = " ".join(w.strip('[]":.') for w in words[:6] if "[" not in w).title()[:150] or "Sync Error"
        produced += 1
        yield rng.randrange(40), title, message


def grow_to(total_synthetic: int, batch: int = 5000) -> int:
    """Add synthetic entries until there are `total_synthetic` of them; returns how many were added."""
    vendors = []
    for number in range(40):
        vendor, _ = Vendor.objects.get_or_create(
            slug=f"{SYNTHETIC_VENDOR_PREFIX}{number:02d}",
            defaults={"name": f"Synthetic SIS {number:02d}", "kind": VendorKind.SIS},
        )
        vendors.append(vendor)
    synthetic = Entry.objects.filter(vendor__slug__startswith=SYNTHETIC_VENDOR_PREFIX)
    existing = synthetic.count()
    if existing > total_synthetic:
        synthetic.delete()
        existing = 0
    wanted = total_synthetic - existing
    if wanted <= 0:
        return 0
    rows: list[Entry] = []
    generated = synthetic_entries(total_synthetic)
    for index, (vendor_number, title, message) in enumerate(generated):
        if index < existing:
            continue
        rows.append(
            Entry(
                vendor=vendors[vendor_number],
                title=title,
                slug=f"synthetic-{index}",
                message=message,
                status=EntryStatus.PUBLISHED,
                source=SourceDocument.CURATOR,
                search_tokens=entry_search_tokens(title, message, []),
            )
        )
        if len(rows) >= batch:
            Entry.objects.bulk_create(rows)
            rows = []
    Entry.objects.bulk_create(rows)
    return wanted


@dataclass
class Case:
    id: str
    query: str
    vendor_hint: str | None
    vendors: list[str]  # right answers' vendor names or slugs; empty: nothing explains it
    key: str  # a fixed part of the right message
    kind: str


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(Case(raw["id"], raw["query"], raw.get("vendor_hint"), raw["vendors"], raw["key"], raw["kind"]))
    return cases


NEGATIVES = [
    "Out of office until Monday, please contact the front desk",
    "npm ERR! code ERESOLVE unable to resolve dependency tree",
    "The projector in room 12 does not turn on",
    "Reminder: staff meeting moved to Thursday at 3pm in the library",
    "Traceback (most recent call last): File \"app.py\", line 3, in <module> KeyError: 'user'",
    "Your password will expire in 5 days. Change it now.",
    "Can you send me the field trip permission slip?",
    "Printer on floor 2 is out of toner",
    "Failed to load resource: net::ERR_CONNECTION_REFUSED",
    "Your Zoom meeting link has expired, please schedule a new meeting",
    "Canvas Studio video failed to upload: file exceeds 500 MB",
    "SAML SSO login failed: the identity provider returned an invalid assertion",
    "Quiz submission could not be autosaved, check your internet connection",
    "The gradebook CSV export finished; download it from your inbox",
    "Java heap space OutOfMemoryError in report scheduler",
    "Please update your emergency contact information before Friday",
    "Bus 14 will be 20 minutes late this afternoon",
    "Lunch menu: pizza, salad, and fruit cup",
    "Blueprint course sync completed with 0 changes",
    "Unable to connect to the Wi-Fi network SchoolGuest",
]


def entry_cases(seed: int = 11) -> list[Case]:
    """Every real entry's message filled with realistic values, plus unrelated text."""
    rng = random.Random(seed)
    cases = []
    real = Entry.objects.published().exclude(vendor__slug__startswith=SYNTHETIC_VENDOR_PREFIX)
    for entry in real.select_related("vendor").order_by("id"):
        literals = [text.strip(" .,:;\"'") for text, is_slot in display_parts(entry.message) if not is_slot]
        key = max(literals, key=len, default="")
        if not key:
            continue
        cases.append(
            Case(
                f"entry-{entry.vendor.slug}-{entry.slug}",
                fill(entry.message, rng),
                None,
                [entry.vendor.slug, *shared_vendor_slugs(entry)],
                key,
                "filled",
            )
        )
    cases += [Case(f"neg-{i}", text, None, [], "", "negative") for i, text in enumerate(NEGATIVES)]
    return cases


def shared_vendor_slugs(entry: Entry) -> list[str]:
    """Vendors with the same message wording: any of them is a right answer without a hint."""
    fixed = compile_template(entry.message).fixed_tokens
    return [
        slug
        for slug, message in Entry.objects.published()
        .exclude(vendor=entry.vendor)
        .values_list("vendor__slug", "message")
        if compile_template(message).fixed_tokens == fixed
    ]


_FTS_VECTOR = "to_tsvector('english', e.title || ' ' || e.message)"

# Baselines: what the portal would do without its matcher. Each returns (vendor slug, vendor name, title, message) rows.


def baseline_icontains(text: str, limit: int = 10) -> list[tuple]:
    """Django admin search: every word must occur in the title or message."""
    query = Q()
    for word in text.split()[:30]:
        query &= Q(title__icontains=word) | Q(message__icontains=word)
    return list(
        Entry.objects.published().filter(query).values_list("vendor__slug", "vendor__name", "title", "message")[:limit]
    )


def baseline_websearch(text: str, limit: int = 10) -> list[tuple]:
    """PostgreSQL full-text search with websearch_to_tsquery and ts_rank."""
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.slug, v.name, e.title, e.message FROM {table} e JOIN {Vendor._meta.db_table} v ON v.id = e.vendor_id, "
            "websearch_to_tsquery('english', %s) q "
            f"WHERE e.status = %s AND {_FTS_VECTOR} @@ q ORDER BY ts_rank({_FTS_VECTOR}, q) DESC LIMIT %s",
            [text[:2000], EntryStatus.PUBLISHED, limit],
        )
        return cursor.fetchall()


def baseline_trigram(text: str, limit: int = 10) -> list[tuple]:
    """pg_trgm word_similarity of the paste against each message, best first."""
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.slug, v.name, e.title, e.message FROM {table} e JOIN {Vendor._meta.db_table} v ON v.id = e.vendor_id "
            "WHERE e.status = %s AND %s <%% e.message ORDER BY word_similarity(%s, e.message) DESC LIMIT %s",
            [EntryStatus.PUBLISHED, text[:2000], text[:2000], limit],
        )
        return cursor.fetchall()


BASELINE_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS bench_entry_fts ON errors_kb_entry USING gin ({_FTS_VECTOR.replace('e.', '')})",
    "CREATE INDEX IF NOT EXISTS bench_entry_message_trgm ON errors_kb_entry USING gin (message gin_trgm_ops)",
]
