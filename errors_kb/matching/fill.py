"""Fill a template's placeholders with realistic values, the way a real sync error arrives.

Used by the per-entry tests and the benchmark to make pastes from templates; the
values come from a seeded random generator, so runs are repeatable.
"""

from __future__ import annotations

import random
import uuid

from errors_kb.matching.templates import PLACEHOLDER, slot_name

VALUES = {
    "category": ["Homework", "Quizzes", "Tests", "Labs", "Projects", "Classwork", "Formative Assessments"],
    "categories": ["Homework, Tests", "Classwork, Quizzes, Summative", "Assessments"],
    "assignment": ["Unit 3 Quiz", "Lab 2: Density", "Week 5 Reflection", "Chapter 7 Test", "Essay Draft #2"],
    "section": ["1021.2.004 (ALG 1)", "ENG-10-03", "2201.1.002", "MATH 7 P3", "SCI-301-01"],
    "student": ["1048576", "s20931", "778812"],
    "date": ["09/22/2025", "05/30/2026", "01/06/2026", "12/15/2025"],
    "id": ["11410981", "4410", "9f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "73519"],
    "score": ["30", "12.5", "105"],
    "sis": ["Skyward", "PowerSchool"],
    "value": ["Q1", "2025-26", "P", "A12", "7781"],
    "yourschoolname": ["district.example.k12.us"],
}


def fill(message: str, rng: random.Random) -> str:
    """The message with each placeholder replaced by a plausible value."""
    out: list[str] = []
    cursor = 0
    for match in PLACEHOLDER.finditer(message):
        out.append(message[cursor : match.start()])
        name = slot_name(match, message[: match.start()])
        if match.group("uuid"):
            value = str(uuid.UUID(int=rng.getrandbits(128)))
        elif match.group("number"):
            value = str(rng.randrange(10_000, 99_999_999))
        else:
            choices = VALUES.get(name) or VALUES["value"]
            value = rng.choice(choices)
        if match.group("ellipsis") and not message[max(0, match.start() - 1) : match.start()].strip(" \"'"):
            value = rng.choice(VALUES["category"])
        out.append(value)
        cursor = match.end()
    out.append(message[cursor:])
    return "".join(out)
