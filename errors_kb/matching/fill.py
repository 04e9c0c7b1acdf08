"""Fill a template's placeholders with realistic values, the way a real sync error arrives.

Used by the per-entry tests and the benchmark to make pastes from templates; the
values come from a seeded random generator, so runs are repeatable. Which value a slot
gets comes from its kind in errors_kb/matching/slots.py; its shape (a UUID, a long
number, an ISO date) decides the format.
"""

from __future__ import annotations

import random
import uuid

from errors_kb.matching import slots
from errors_kb.matching.templates import Placeholder, named_placeholders


def _value(placeholder: Placeholder, name: str, rng: random.Random) -> str:
    shape = placeholder.shape
    if shape == "uuid":
        prefix = placeholder.text[:-36] if len(placeholder.text) > 36 else ""
        value = str(uuid.UUID(int=rng.getrandbits(128)))
        return prefix + (value.upper() if placeholder.text[-12:].isupper() else value)
    if shape == "hex":
        return "".join(rng.choice("0123456789abcdef") for _ in placeholder.text)
    if shape == "number":
        return str(rng.randrange(10_000, 99_999_999))
    if shape in ("iso_date", "iso_datetime"):
        date = f"{rng.randrange(2024, 2027)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        return date + ("T00:00:00" if shape == "iso_datetime" else "")
    return rng.choice(slots.samples(name))


def fill(message: str, rng: random.Random) -> str:
    """The message with each placeholder replaced by a plausible value."""
    out: list[str] = []
    cursor = 0
    for placeholder, name in named_placeholders(message):
        out.append(message[cursor : placeholder.start])
        out.append(_value(placeholder, name, rng))
        cursor = placeholder.end
    out.append(message[cursor:])
    return "".join(out)
