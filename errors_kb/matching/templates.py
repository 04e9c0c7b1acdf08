"""Compile a message template into fixed token segments separated by slots.

The source documents mark variable parts in many ways: `[xxxxxx]`, `[assignment name]`,
`XX/XX/XXXX`, `(ASSIGNMENT ID)`, `######`, `XYZ`, `"..."`, `<Section ID>`, `5XX`,
`{{lms_canvas_demo_teacher_id}}`, and often a concrete example value that every real
paste replaces. Those become slots too:

- numbers in JSON values (`"code":"7233"`, `"resultValueMax":3`), except HTTP statuses
  (`"status":404`), and a number after an identifier key (`ActualScoreGradeScaleId 1`);
- free-standing numbers of five or more digits, UUIDs (with a prefix: `CLASS-AE1B44DD-...`),
  long hex ids (`'a47c7b0ebbb442cdbc4adf259d148ea1'`), ISO and US dates;
- a single quoted character (`invalid character ' ' in string escape code`) and the
  placeholder word `'variable'`.

A bracketed run of words is a placeholder only when its last word names a value
(`[assignment name]`, `[course URL]`, `[Section SIS ID]`); `[link file text discussion]`
is a fixed list. Each slot is named after a kind in errors_kb/matching/slots.py, from its
label and the fixed words around it, and the names of one message are distinct.

The patterns here are fixed; they read templates only. Matching (scoring.py) never
builds a regular expression from a template or a paste.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from errors_kb.matching import slots
from errors_kb.matching.normalize import clean, tokenize

PLACEHOLDER = re.compile(
    r"""
      \[(?P<bracket>[xX#\d.\s()\-/:T]*[xX#][xX#\d.\s()\-/:T]*|[A-Za-z][A-Za-z ]{0,40})\]
    | <(?P<angle>[A-Za-z][A-Za-z ]{0,40})>
    | \{\{(?P<braces>[^{}]{1,60})\}\}
    | \((?P<paren>[A-Z][A-Z ]{2,40})\)
    | "(?P<jsonkey>[A-Za-z_][\w.]{0,60})"\s*:\s*"?(?P<jsonnum>-?\d+(?:\.\d+)?)(?="?\s*[,}\]])
    | \b(?P<idkey>[A-Za-z]+(?:Id|ID))\s*[:=]?\s*(?P<idnum>\d+)\b
    | (?P<isodate>\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-]))
    | (?P<usdate>(?<![\w/])\d{1,2}/\d{1,2}/\d{4}(?![\w/]))
    | (?P<bare>\b(?:[xX]{2,}(?:[-/.][xX]{2,})*|XYZ|YYYY-MM-DD|MM/DD/YYYY)\b|\#{3,})
    | (?P<status>\b[1-5][xX]{2}\b)
    | (?P<uuid>\b(?:[A-Za-z]{1,10}-)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
    | (?P<hex>\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{12,}\b)
    | (?P<number>(?<![\w.])\d{5,}(?![\w.]))
    | (?<=['\u2018])(?:(?P<word>variable)|(?P<char>[^'\u2018\u2019]))(?=['\u2019])
    | (?P<ellipsis>\.\.\.)
    """,
    re.VERBOSE,
)
# JSON keys whose numbers are HTTP statuses: fixed text that tells messages apart.
_STATUS_KEYS = {"status", "statuscode", "status_code", "httpstatus", "http_status", "errorcode", "error_code"}
# The last word of a bracketed label that makes it a placeholder rather than literal text.
_VALUE_NOUNS = ("name", "names", "id", "url", "date", "score", "description", "text", "value", "title", "type")
_X_LABEL = re.compile(r"[x#\d.\s()\-/:t]*[x#][x#\d.\s()\-/:t]*")
_DATE_LABEL = re.compile(r"x{1,2}/x{1,2}/x{2,4}|x{4}-x{2}-x{2}(?:t[\d:]*)?|yyyy-mm-dd|mm/dd/yyyy")
_ISO_LABEL = re.compile(r"x{4}-x{2}-x{2}(?:t[\d:]*)?|yyyy-mm-dd")
_ERROR_CODE_DASH = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\s*-\s*$")
_LABEL_WORD = re.compile(r"[A-Za-z]+")
_GLUED = re.compile(r"\w+$")
# A JSON envelope a message opens with: a paste often carries only the text inside it.
_ENVELOPE = re.compile(r'\{\s*(?:"errors"\s*:\s*\[\s*\{\s*)?"message"\s*:\s*"?')


@dataclass(frozen=True)
class Placeholder:
    """A variable part of a template: where it is and what its shape says."""

    start: int
    end: int
    label: tuple[str, ...]  # its own words, lower case ("assignment", "name"); () for xxxx, ######, values
    family: str  # slots.PLAIN, DATE, CHARACTER or STATUS
    numeric: bool  # digits only: an identifier, never a name
    shape: str  # what fill.py makes for it: "text", "uuid", "hex", "number", "iso_date", "iso_datetime", ...
    text: str  # as written in the template


def _label_words(text: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in _LABEL_WORD.findall(text))


def _placeholder(match: re.Match) -> Placeholder | None:
    """The placeholder a PLACEHOLDER match stands for, or None when it is fixed text."""
    group = match.lastgroup
    start, end, text = match.start(), match.end(), match.group()
    label: tuple[str, ...] = ()
    family, numeric, shape = slots.PLAIN, False, "text"
    if group in ("bracket", "angle", "paren"):
        inner = match.group(group).strip()
        lowered = inner.lower()
        if _X_LABEL.fullmatch(lowered) or re.fullmatch(r"x+", lowered):
            numeric = "x" not in lowered
            if _DATE_LABEL.fullmatch(lowered):
                family = slots.DATE
                shape = ("iso_datetime" if "t" in lowered else "iso_date") if _ISO_LABEL.fullmatch(lowered) else "date"
        else:
            label = _label_words(inner)
            if not label[-1].endswith(_VALUE_NOUNS):
                return None  # a literal list or word in brackets: "[link file text discussion]"
    elif group == "braces":
        label = _label_words(match.group("braces").replace("_", " "))
    elif group == "jsonnum":
        if match.group("jsonkey").replace(".", "_").lower() in _STATUS_KEYS:
            return None
        start, end, text = match.start("jsonnum"), match.end("jsonnum"), match.group("jsonnum")
        numeric, shape = True, "digits"
    elif group == "idnum":
        start, end, text = match.start("idnum"), match.end("idnum"), match.group("idnum")
        numeric, shape = True, "digits"
    elif group in ("isodate", "usdate"):
        family = slots.DATE
        shape = "date" if group == "usdate" else ("iso_datetime" if "T" in text else "iso_date")
    elif group == "bare":
        lowered = text.lower()
        numeric = lowered.startswith("#")
        if _DATE_LABEL.fullmatch(lowered) or lowered in ("yyyy-mm-dd", "mm/dd/yyyy"):
            family = slots.DATE
            shape = "iso_date" if lowered == "yyyy-mm-dd" else "date"
    elif group == "status":
        family, shape = slots.STATUS, "status"
    elif group in ("uuid", "hex"):
        shape = group
    elif group == "number":
        numeric, shape = True, "number"
    elif group == "char":
        family, shape = slots.CHARACTER, "char"
    return Placeholder(start, end, label, family, numeric, shape, text)


def find_placeholders(text: str) -> list[Placeholder]:
    found = []
    for match in PLACEHOLDER.finditer(text):
        placeholder = _placeholder(match)
        if placeholder is not None:
            found.append(placeholder)
    return found


def _words(text: str) -> list[str]:
    return [token.text for token in tokenize(text)]


def named_placeholders(text: str) -> list[tuple[Placeholder, str]]:
    """The placeholders of a template, each with its slot name: the kind the registry
    gives it from its label and the fixed words around it, distinct within the message."""
    placeholders = find_placeholders(text)
    names: list[str] = []
    before: list[str] = []
    cursor = 0
    for index, placeholder in enumerate(placeholders):
        literal = text[cursor : placeholder.start]
        glued = _GLUED.search(literal)
        if glued:  # "s[xxxx]", "EID_######": the word is part of the value
            literal = literal[: glued.start()]
        before += _words(literal)
        following = placeholders[index + 1].start if index + 1 < len(placeholders) else len(text)
        after = _words(text[placeholder.end : following])
        label = placeholder.label or (_label_words(glued.group().replace("_", " ")) if glued else ())
        if _ERROR_CODE_DASH.search(literal) and placeholder.family == slots.PLAIN:
            # "COLLECTION_GENERIC - 71608256-... - Unable to ...": the sync job's id
            names.append("job_id")
        else:
            names.append(slots.kind_for(label, before, after, family=placeholder.family, numeric=placeholder.numeric))
        cursor = placeholder.end
    return list(zip(placeholders, slots.distinct(names), strict=True))


@dataclass(frozen=True)
class Slot:
    name: str
    before: str  # template punctuation between the previous fixed word (or slot) and the slot
    after: str  # template punctuation between the slot and the next fixed word (or slot)


@dataclass(frozen=True)
class Template:
    text: str
    segments: tuple[tuple[str, ...], ...]  # fixed parts in order; slots sit between them
    gaps: tuple[tuple[Slot, ...], ...]  # one per gap: before segment 0, between each pair, after the last
    fixed_tokens: tuple[str, ...]

    @cached_property
    def needles(self) -> tuple[str, ...]:
        """Each segment as the paste's joined words spell it: matched once per candidate per line."""
        return tuple(" " + " ".join(segment) + " " for segment in self.segments)

    @property
    def slot_names(self) -> tuple[str, ...]:
        """One per gap: the first slot's name, "" where the gap holds none."""
        return tuple(gap[0].name if gap else "" for gap in self.gaps)

    @property
    def has_leading_slot(self) -> bool:
        return bool(self.gaps[0])

    @property
    def has_trailing_slot(self) -> bool:
        return bool(self.gaps[-1])


def _edges(literal: str) -> tuple[str, str]:
    """A literal's punctuation before its first word and after its last (all of it if it has none)."""
    tokens = tokenize(literal)
    if not tokens:
        return literal, literal
    return literal[: tokens[0].start], literal[tokens[-1].end :]


@lru_cache(maxsize=200_000)
def compile_template(message: str) -> Template:
    text = clean(message)
    segments: list[tuple[str, ...]] = []
    gaps: list[tuple[Slot, ...]] = []
    pending: list[Slot] = []
    envelope = _ENVELOPE.match(text)
    cursor = envelope.end() if envelope else 0  # {"message":"...": the key is no part of the message
    previous_after = ""  # punctuation ending the literal before the current slot
    for placeholder, name in named_placeholders(text):
        literal = text[cursor : placeholder.start]
        glued = _GLUED.search(literal)
        if glued:
            literal = literal[: glued.start()]
        words = tuple(token.text for token in tokenize(literal))
        head, tail = _edges(literal)
        if words:
            if pending:
                pending[-1] = Slot(pending[-1].name, pending[-1].before, head)
            gaps.append(tuple(pending))
            segments.append(words)
            pending = []
            previous_after = tail
        else:
            if pending:
                pending[-1] = Slot(pending[-1].name, pending[-1].before, literal)
            previous_after = literal if pending else previous_after + literal
        pending.append(Slot(name, previous_after, ""))
        cursor = placeholder.end
    literal = text[cursor:]
    words = tuple(token.text for token in tokenize(literal))
    head, _ = _edges(literal)
    if pending:
        pending[-1] = Slot(pending[-1].name, pending[-1].before, head)
    if words:
        gaps.append(tuple(pending))
        segments.append(words)
        pending = []
    gaps.append(tuple(pending))
    return Template(
        text=text,
        segments=tuple(segments),
        gaps=tuple(gaps),
        fixed_tokens=tuple(word for segment in segments for word in segment),
    )


def display_parts(message: str) -> list[tuple[str, bool]]:
    """The message as (text, is_slot) runs, for marking variable parts on a page."""
    parts: list[tuple[str, bool]] = []
    cursor = 0
    for placeholder in find_placeholders(message):
        if placeholder.start > cursor:
            parts.append((message[cursor : placeholder.start], False))
        parts.append((message[placeholder.start : placeholder.end], True))
        cursor = placeholder.end
    if cursor < len(message):
        parts.append((message[cursor:], False))
    return parts
