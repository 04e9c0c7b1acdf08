"""Compile a message template into fixed token segments separated by slots.

The source documents mark variable parts in many ways: `[xxxxxx]`, `[assignment name]`,
`XX/XX/XXXX`, `(ASSIGNMENT ID)`, `######`, `XYZ`, `"..."`, `<Section ID>`,
`{{lms_canvas_demo_teacher_id}}`, and sometimes a concrete example value (a UUID, a
request id) that every real paste replaces. All of those become slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from errors_kb.matching.normalize import clean, tokenize

PLACEHOLDER = re.compile(
    r"""
      \[(?P<bracket>[xX#\d.\s()\-/:]*[xX#][xX#\d.\s()\-/:]*|[A-Za-z][A-Za-z ]{0,40})\]
    | <(?P<angle>[A-Za-z][A-Za-z ]{0,40})>
    | \{\{(?P<braces>[^{}]{1,60})\}\}
    | \((?P<paren>[A-Z][A-Z ]{2,40})\)
    | (?P<bare>\b(?:[xX]{2,}(?:[-/.][xX]{2,})*|XYZ|YYYY-MM-DD|MM/DD/YYYY)\b|\#{3,})
    | (?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
    | (?P<number>(?<![\w.])\d{5,}(?![\w.]))
    | (?P<ellipsis>\.\.\.)
    """,
    re.VERBOSE,
)
_SLOT_NAME_WORDS = {
    "category": "category",
    "categories": "categories",
    "section": "section",
    "class": "section",
    "assignment": "assignment",
    "student": "student",
    "date": "date",
    "on": "date",
    "id": "id",
    "score": "score",
}
_DESCRIPTIVE_NAMES = {
    "canvas assignment group name": "category",
    "assignment name": "assignment",
    "section sis id": "section",
    "section id": "section",
    "sis": "sis",
}


@dataclass(frozen=True)
class Template:
    text: str
    segments: tuple[tuple[str, ...], ...]  # fixed parts in order; slots sit between them
    slot_names: tuple[str, ...]  # one per gap: before segment 0, between each pair, after the last
    fixed_tokens: tuple[str, ...]

    @property
    def has_leading_slot(self) -> bool:
        return bool(self.slot_names[0])

    @property
    def has_trailing_slot(self) -> bool:
        return bool(self.slot_names[-1])


def slot_name(match: re.Match, preceding_text: str) -> str:
    label = (match.group("bracket") or match.group("angle") or match.group("paren") or "").strip().lower()
    if label in _DESCRIPTIVE_NAMES:
        return _DESCRIPTIVE_NAMES[label]
    if match.group("braces"):
        return "id"
    if match.group("uuid") or match.group("number"):
        return "id"
    if re.fullmatch(r"[x#]{2}/[x#]{2}/[x#]{4}", label) or (match.group("bare") or "").lower() in {
        "xx/xx/xxxx",
        "yyyy-mm-dd",
        "mm/dd/yyyy",
    }:
        return "date"
    if label and re.fullmatch(r"[a-z ]+", label) and not re.fullmatch(r"x+", label):
        return label.replace(" ", "_")
    words = re.findall(r"[A-Za-z_]+", preceding_text[-40:])
    for word in reversed(words[-3:]):
        if word.lower() in _SLOT_NAME_WORDS:
            return _SLOT_NAME_WORDS[word.lower()]
    return "value"


@lru_cache(maxsize=200_000)
def compile_template(message: str) -> Template:
    text = clean(message)
    pieces: list[str] = []
    names: list[str] = [""]
    cursor = 0
    for match in PLACEHOLDER.finditer(text):
        literal = text[cursor : match.start()]
        # A placeholder glued to a word ("s[xxxx]" for "s1234") swallows that word.
        literal = re.sub(r"\w+$", "", literal)
        pieces.append(literal)
        names.append(slot_name(match, text[: match.start()]))
        cursor = match.end()
    pieces.append(text[cursor:])

    segments: list[tuple[str, ...]] = []
    slot_names: list[str] = []
    pending_slot = ""
    for index, literal in enumerate(pieces):
        if index > 0:
            pending_slot = pending_slot or names[index]
        words = tuple(token.text for token in tokenize(literal))
        if words:
            slot_names.append(pending_slot)
            segments.append(words)
            pending_slot = ""
    slot_names.append(pending_slot)
    if not segments:
        slot_names = [pending_slot]
    return Template(
        text=text,
        segments=tuple(segments),
        slot_names=tuple(slot_names),
        fixed_tokens=tuple(word for segment in segments for word in segment),
    )


def display_parts(message: str) -> list[tuple[str, bool]]:
    """The message as (text, is_slot) runs, for marking variable parts on a page."""
    parts: list[tuple[str, bool]] = []
    cursor = 0
    for match in PLACEHOLDER.finditer(message):
        if match.start() > cursor:
            parts.append((message[cursor : match.start()], False))
        parts.append((match.group(), True))
        cursor = match.end()
    if cursor < len(message):
        parts.append((message[cursor:], False))
    return parts
