"""The one registry of slot kinds: what a variable part of a message is, in words.

A template's variable parts (errors_kb/matching/templates.py) are named after a kind
from this registry. The name is the key of `params` in search answers (snake_case, part
of the JSON API); everything people read comes from here:

- `label`: what the value is, in words a teacher reads ("Student ID", "Due date").
- `samples`: realistic values, used by fill.py to make pastes from templates.
- `cues`: the words that name the kind, as they appear in a placeholder's own label
  ("[assignment name]") or end the fixed text just before it ("... for section [x]",
  `"dueDate":"[x]"`); the longest cue wins. `after` cues: words that follow it.
- `follows`: words in a fix step after which a value of this kind reads right
  ("... for the assignment "Unit 3 Quiz""). Only an assignment NAME goes after
  "assignment": a value that is an identifier ("88213") is shown only after the words
  its identifier kind (`id_kind`) follows ("assignment ID"), or nowhere.

Plain data and fixed regular expressions; nothing here depends on the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# What kind of value a placeholder's shape says it holds; a kind of one family only
# names slots of that family (a date slot is never "Assignment", a plain slot never "Due date").
PLAIN, DATE, CHARACTER, STATUS = "plain", "date", "character", "status"


@dataclass(frozen=True)
class SlotKind:
    name: str
    label: str
    samples: tuple[str, ...]
    cues: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()
    id_kind: str | None = None  # a name kind: the kind a value that is only an identifier stands for
    names_only: bool = False  # `follows` fits names only; an identifier value follows `id_kind`'s words
    identifier: bool = False  # values are identifiers, never names
    family: str = PLAIN


_DATES = ("09/22/2025", "05/30/2026", "01/06/2026", "12/15/2025")
_IDS = ("11410981", "4410", "73519", "20817")

KINDS: dict[str, SlotKind] = {
    kind.name: kind
    for kind in (
        # people
        SlotKind(
            "student_id",
            "Student ID",
            ("1048576", "s20931", "778812"),
            cues=("student", "student id", "for student", "student id number"),
            follows=(r"student ID(?: number)?",),
            identifier=True,
        ),
        SlotKind(
            "teacher_id",
            "Teacher ID",
            ("5f3c9a1e2b7d4c0012e4a9f3", "61b2e7c40a9f1d0013c5b8e2"),
            cues=("teacher id", "lms canvas demo teacher id", "grader id"),
            identifier=True,
        ),
        # assignments
        SlotKind(
            "assignment",
            "Assignment",
            ("Unit 3 Quiz", "Lab 2: Density", "Week 5 Reflection", "Chapter 7 Test", "Essay Draft #2"),
            cues=(
                "assignment",
                "assignment name",
                "name",
                "this name",
                "title",
                "matches found for",
                "not found in oneroster for",
            ),
            follows=(r"assignments?(?!\s+groups?\b)",),
            id_kind="assignment_id",
            names_only=True,
        ),
        SlotKind(
            "assignment_id",
            "Assignment ID",
            _IDS,
            cues=("assignment id", "app id", "sourcedid", "lineitem sourcedid"),
            follows=(r"assignment IDs?",),
            identifier=True,
        ),
        SlotKind(
            "assignment_section_id",
            "Assignment section ID",
            ("3390871", "4012266"),
            cues=("assignmentsection id",),
            identifier=True,
        ),
        # sections and classes
        SlotKind(
            "section",
            "Section",
            ("1021.2.004 (ALG 1)", "ENG-10-03", "2201.1.002", "MATH 7 P3", "SCI-301-01"),
            cues=("section", "section name", "class", "for class", "selection"),
            # teachers know sections by number too: "section 3021.1.002" reads right
            follows=(r"sections?(?!\s+IDs?\b)",),
            id_kind="section_id",
        ),
        SlotKind(
            "section_id",
            "Section ID",
            ("14872", "20591", "301877"),
            cues=(
                "section id",
                "section sis id",
                "class id",
                "section with id",
                "sections dcid code",
                "class sourcedid",
            ),
            follows=(r"section IDs?",),
            identifier=True,
        ),
        # grading categories
        SlotKind(
            "category",
            "Grading category",
            ("Homework", "Quizzes", "Tests", "Labs", "Projects", "Classwork", "Formative Assessments"),
            cues=("category", "grading category", "canvas assignment group name", "assignment group name"),
            follows=(r"assignment groups?|grading categor(?:y|ies)|gradebook categor(?:y|ies)|categor(?:y|ies)",),
            id_kind="category_id",
            names_only=True,
        ),
        SlotKind(
            "category_id",
            "Grading category ID",
            ("7233", "8140", "10452"),
            cues=("category id", "teachercategoryid", "teachercategoryid code"),
            identifier=True,
        ),
        SlotKind(
            "categories",
            "Categories you have",
            ("Homework, Tests", "Classwork, Quizzes, Summative", "Assessments"),
            cues=(
                "categories",
                "grading category names",
                "q grading category names",
                "categories are",
                "categories for class are",
            ),
        ),
        # dates
        SlotKind("date", "Date", _DATES, family=DATE),
        SlotKind(
            "due_date",
            "Due date",
            _DATES,
            cues=("due date", "due on", "duedate", "actual due date"),
            follows=(r"due dates?",),
            family=DATE,
        ),
        SlotKind("assign_date", "Assign date", _DATES, cues=("assign date", "assigndate"), family=DATE),
        SlotKind("start_date", "Start date", _DATES, cues=("between",), family=DATE),
        SlotKind("end_date", "End date", _DATES, cues=("between and",), family=DATE),
        # scores
        SlotKind(
            "score",
            "Score",
            ("30", "12.5", "105", "A+"),
            cues=("score", "valid score", "resultscore", "resulttotalscore"),
            after=("is not a valid value",),
        ),
        SlotKind("min_score", "Minimum score", ("0", "1"), cues=("resultvaluemin", "must be")),
        SlotKind("max_score", "Maximum score", ("10", "20", "100"), cues=("resultvaluemax", "max score")),
        SlotKind("points", "Score entry points", ("25", "100"), cues=("entry points", "score entry points")),
        SlotKind("grade_scale_id", "Grade scale ID", ("12", "4"), cues=("actualscoregradescaleid",), identifier=True),
        # sync jobs and requests
        SlotKind(
            "job_id",
            "Sync job ID",
            ("9f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "52d0c9e8-7a1f-4b63-8e24-c6f3a0d9b715"),
            identifier=True,
        ),
        SlotKind("job_state", "Last known state", ("1", "2", "4"), cues=("state is", "known state is")),
        SlotKind(
            "request_id", "Request ID", ("11527764", "11602118"), cues=("request_id", "request id"), identifier=True
        ),
        SlotKind(
            "result_id",
            "Result ID",
            ("1930482", "s2207715"),
            cues=("results", "results for", "process score for"),
            identifier=True,
        ),
        SlotKind("error_id", "Error ID", ("48213412", "50011876"), cues=("eid",), identifier=True),
        SlotKind(
            "error_text",
            "Error text",
            ("dueDate must not be null", "Assignment has no due date"),
            cues=("text", "error text"),
        ),
        SlotKind(
            "description",
            "Description",
            ("Score is not between 0 and 1", "Course is invalid"),
            cues=("description",),
        ),
        SlotKind("http_status", "HTTP status", ("500", "502", "503"), family=STATUS),
        # addresses
        SlotKind(
            "host",
            "School server address",
            ("district.example.k12.us", "ma-lowell.myfollett.com"),
            cues=("yourschoolname", "your school name", "server"),
        ),
        SlotKind(
            "url",
            "Web address",
            (
                "https://ps.example.k12.us/ws/schema/query/com.pearson.core.student",
                "https://sis.example.org/v1/classes",
            ),
            cues=("url", "href", "accessing"),
        ),
        SlotKind(
            "course_url",
            "Canvas link",
            ("https://district.instructure.com/courses/4821/assignments/77120",),
            cues=("course url",),
        ),
        # request bodies
        SlotKind("character", "Character", ("U", "}", "d", "x"), family=CHARACTER),
        SlotKind("fields", "Missing fields", ("due_date", "title, due_date"), cues=("field names",)),
        SlotKind("resource_type", "Resource type", ("Patient", "Appointment", "Practitioner"), cues=("resource type",)),
        SlotKind(
            "resource_id",
            "Resource ID",
            ("3f9d2e71c04b4a58b6e2d9a1c7f05b34", "8c0b51e4d7a2496f9e3b6a05d1c47f28"),
            cues=("resource", "resource id"),
            identifier=True,
        ),
        # what nothing names
        SlotKind("value", "Value", ("Q1", "2025-26", "P", "A12", "7781")),
    )
}
FALLBACK = "value"
OTHER_PREFIX = "other_"  # a second slot of the same kind in one message: "other_result_id"
_FAMILY_DEFAULT = {DATE: "date", CHARACTER: "character", STATUS: "http_status", PLAIN: FALLBACK}
_CUES: dict[tuple[str, ...], str] = {}
_AFTER_CUES: dict[tuple[str, ...], str] = {}
for _kind in KINDS.values():
    for _cue in _kind.cues:
        _CUES[tuple(_cue.split())] = _kind.name
    for _cue in _kind.after:
        _AFTER_CUES[tuple(_cue.split())] = _kind.name
_LONGEST_CUE = max(len(cue) for cue in [*_CUES, *_AFTER_CUES])

# A value that is an identifier rather than a name: digits (with dots, dashes, a short
# prefix: "s4410872", "20931.448120", "A-305511"), a UUID, a long hex id.
_IDENTIFIER = re.compile(
    r"(?:[A-Za-z]{1,10}[-_:]?)?\d[\d.\-_/:]*"
    r"|(?:[A-Za-z]{1,10}-)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{12,}"
)


def _kind(name: str) -> SlotKind:
    return KINDS.get(name.removeprefix(OTHER_PREFIX)) or KINDS[FALLBACK]


def kind_for(
    label: Sequence[str],
    before: Sequence[str],
    after: Sequence[str] = (),
    *,
    family: str = PLAIN,
    numeric: bool = False,
) -> str:
    """The kind of a slot, from its own label words ("assignment name"), the fixed words
    before it and after it, and what its shape says (a date, a character, digits only)."""
    name = _by_cue(tuple(label), family) or _by_cue(tuple(before), family)
    name = name or _by_after_cue(tuple(after), family) or _FAMILY_DEFAULT[family]
    kind = KINDS[name]
    if numeric and kind.id_kind:
        return kind.id_kind
    return name


def _fits(name: str, family: str) -> bool:
    """A date slot takes date kinds only; a plain one ("Assign date, [xxxxxxx]") any but a character or status."""
    kind_family = KINDS[name].family
    return kind_family == family or (family == PLAIN and kind_family == DATE)


def _by_cue(words: tuple[str, ...], family: str) -> str | None:
    """The kind whose cue ends `words`, longest cue first: a label names its kind by its
    last words ("lms canvas demo teacher id"), so does the text before a slot."""
    for length in range(min(len(words), _LONGEST_CUE), 0, -1):
        name = _CUES.get(words[-length:])
        if name and _fits(name, family):
            return name
    return None


def _by_after_cue(words: tuple[str, ...], family: str) -> str | None:
    for length in range(min(len(words), _LONGEST_CUE), 0, -1):
        name = _AFTER_CUES.get(words[:length])
        if name and _fits(name, family):
            return name
    return None


def distinct(names: Sequence[str]) -> list[str]:
    """Names made distinct within one message: a repeated kind becomes "other_<kind>"."""
    out: list[str] = []
    for name in names:
        candidate = name
        while candidate in out:
            candidate = OTHER_PREFIX + candidate
        out.append(candidate)
    return out


def looks_like_identifier(value: str) -> bool:
    return _IDENTIFIER.fullmatch(value.strip()) is not None


def slot_label(name: str, value: str | None = None) -> str:
    """The slot's name in words. Given its value, a name kind holding an identifier
    ("Assignment" holding "88213") says so ("Assignment ID")."""
    kind = _kind(name)
    if value is not None and kind.names_only and kind.id_kind and looks_like_identifier(value):
        kind = KINDS[kind.id_kind]
    label = kind.label
    if kind.name == FALLBACK and name.removeprefix(OTHER_PREFIX) not in KINDS:
        # a name no kind has (an older export, a new template): its words, "ID" in capitals
        words = name.removeprefix(OTHER_PREFIX).replace("_", " ").capitalize().split()
        label = " ".join("ID" if word.lower() == "id" else word for word in words) or label
    if name.startswith(OTHER_PREFIX):
        first, _, rest = label.partition(" ")
        return " ".join(["Other", first if first.isupper() else first.lower(), rest]).strip()
    return label


def samples(name: str) -> tuple[str, ...]:
    return _kind(name).samples


def step_words(name: str, value: str) -> tuple[str, ...]:
    """Words in a fix step after which this value reads right (fixed regular expressions)."""
    kind = _kind(name)
    if kind.names_only and kind.id_kind and looks_like_identifier(value):
        return KINDS[kind.id_kind].follows
    return kind.follows
