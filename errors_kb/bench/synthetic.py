"""A synthetic dictionary: entries that read like real SIS sync errors (an object, what
went wrong, the SIS's own wording around it, placeholders), drawn from a seeded generator
so every run builds the same dictionary. They are distractors: cases are still about the
real entries, which must stay on top however many look-alikes surround them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from errors_kb.matching.index import entry_search_tokens
from errors_kb.matching.templates import compile_template
from errors_kb.models import Entry, EntryStatus, SourceDocument, Vendor, VendorKind

SYNTHETIC_VENDOR_PREFIX = "synthetic-sis-"
SYNTHETIC_VENDORS = 40

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


def real_entries():
    """The dictionary's own entries: everything but the synthetic vendors'."""
    return Entry.objects.exclude(vendor__slug__startswith=SYNTHETIC_VENDOR_PREFIX)


def synthetic_entries(count: int, seed: int = 7) -> Iterator[tuple[int, str, str]]:
    """(vendor number, title, message) triples; messages unique, none a real template."""
    rng = random.Random(seed)
    real = {compile_template(m).fixed_tokens for m in real_entries().values_list("message", flat=True)}
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
        yield rng.randrange(SYNTHETIC_VENDORS), title, message


def grow_to(total_synthetic: int, batch: int = 5000) -> int:
    """Add synthetic entries until there are `total_synthetic` of them (deleting them all
    first when there are more); returns how many were added."""
    vendors = []
    for number in range(SYNTHETIC_VENDORS):
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
    for index, (vendor_number, title, message) in enumerate(synthetic_entries(total_synthetic)):
        if index < existing:
            continue
        rows.append(
            Entry(
                vendor=vendors[vendor_number],
                title=title,
                slug=f"synthetic-{index}",
                key=f"{vendors[vendor_number].slug}.synthetic-{index}",  # bulk_create skips save(), which sets it
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
