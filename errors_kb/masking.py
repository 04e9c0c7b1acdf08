"""Mask a pasted text before anything of it is written: values become placeholders.

Search gaps (errors_kb/gaps.py) and "what was wrong" comments (errors_kb/votes.py) keep
only the masked text. Pastes carry student names and IDs; what is left after masking is
the wording of the message, with each value replaced by a placeholder that the template
compiler (errors_kb/matching/templates.py) reads as a slot. A masked search gap is
therefore a valid message template: a curator can make an entry of it, and the original
paste then matches that entry exactly, its values filling the slots.

What becomes a placeholder, in this order:

- in a web address: the user and password, and every query and fragment value
  (`?student=[value]&id=[value]`); its path is masked like other text;
- e-mail addresses: `{{email}}`;
- quoted strings of up to eight words (`"Homework"` -> `"[value]"`); JSON keys
  (`"message":`) stay, and a longer quoted text is a message whose values are masked below;
- words that look like a person's name after a label such as "student", "teacher" or
  "user" (`Student "Maria Lopez"` -> `Student [student name]`);
- UUIDs and hex ids (`[id]`), dates (`XX/XX/XXXX`, `YYYY-MM-DD`), times (`[XX:XX]`);
- every word holding a digit, in any script (`88812`, `s20931`, `1021.2.004`, `٨٨٨`):
  `[id]` when it is an identifier (five digits or more, letters with digits, after "ID"),
  else `[#]`.

Plain Python with fixed regular expressions, linear in the length it reads (at most
READ_CHARS); no database.
"""

from __future__ import annotations

import re

from errors_kb.matching.normalize import clean
from errors_kb.matching.templates import PLACEHOLDER

MAX_CHARS = 500  # SearchGap.masked_text and Feedback.comment
READ_CHARS = 5000  # what is read of a longer text: ten times what is kept, whatever masking removes

# Placeholders, as the template compiler reads them (each is a slot there).
ID, NUMBER, VALUE, EMAIL = "[id]", "[#]", "[value]", "{{email}}"
US_DATE, ISO_DATE, TIME = "XX/XX/XXXX", "YYYY-MM-DD", "[XX:XX]"

# While masking, each placeholder stands as one private-use character, so that a later
# step never reads a placeholder's own letters or "#" as text to mask.
_SENTINEL_BASE = 0xE000
_SENTINEL_RANGE = re.compile("[\ue000-\uf8ff]")
_PERSON_LABELS = ("student", "teacher", "user", "instructor", "grader", "parent", "guardian", "learner", "pupil")
_FIXED = (ID, NUMBER, VALUE, EMAIL, US_DATE, ISO_DATE, TIME) + tuple(f"[{label} name]" for label in _PERSON_LABELS)
_SENTINEL = {text: chr(_SENTINEL_BASE + index) for index, text in enumerate(_FIXED)}
_RESTORE = {sentinel: text for text, sentinel in _SENTINEL.items()}

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s\"'<>]+", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?<=://)[^/?#@]*@")
_URL_QUERY_VALUE = re.compile(r"([?&;#][^=&;#?]*=)([^&;#]*)")
_URL_FRAGMENT = re.compile(r"#[^=&;]*$")
# A quoted string on one line: straight double quotes (clean() made curly ones straight),
# and single quotes that open and close outside a word (not "don't", "teachers' lounge").
_QUOTED = re.compile(r"\"([^\"]*)\"|(?<!\w)'([^']{1,300})'(?!\w)")
_QUOTED_WORDS_MAX = 8  # a longer quoted text is a message, not a value
_WORD = re.compile(r"\w+")
_JSON_KEY_AFTER = re.compile(r"\s*:")
# The JSON keys whose value is the error message itself, not a value of it.
_MESSAGE_KEY_BEFORE = re.compile(
    r"\"(?i:message|msg|error|error_?message|error_?description|description|detail|details|reason|text"
    r"|imsx_description)\"\s*:\s*$"
)
# A person label, on its own or as a key ("student_name", "Teacher Name", "user:", "student=").
_PERSON_LABEL = re.compile(
    r"(?<![\w\-])(?i:(" + "|".join(_PERSON_LABELS) + r"|username|login)(?:[ _\-]?names?)?)(?![\w\-])"
)
_LABEL_BEFORE_QUOTE = re.compile(
    r"(?<![\w\-])(?i:(" + "|".join(_PERSON_LABELS) + r"|username|login)(?:[ _\-]?names?)?)[\"']?\s*[:=]?\s*$"
)
_SEPARATOR = re.compile(r"\s*[:=]?\s*")
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")
_NAME_JOIN = re.compile(r"\s*,\s*|\s+")
_LOGIN_VALUE = re.compile(r"[\w.\-]+")
_NAME_WORDS_MAX = 4
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "mx", "prof"}
_PARTICLES = {"de", "del", "della", "da", "di", "du", "van", "von", "der", "den", "la", "le", "bin", "al", "ibn"}
# Capitalised words that follow "Student", "Teacher" or "User" in messages and are no name.
_NOT_NAMES_TEXT = """
    a an the and or of in on at to for from with without by is was are were be been has have had does did do
    not no none cannot can could should must will would may might already also only all any each every this that
    id ids number num no. identifier key code sis lms api name names first last middle record records data info
    information account accounts profile access role roles type group groups section sections course courses class
    classes enrollment enrollments enrolment roster grade grades grading score scores assignment assignments category
    categories gradebook sync error errors found missing exists exist invalid unknown inactive active dropped withdrawn
    transferred deleted lookup failed failure mapping mapped match matched matches portal login permission permissions
    school district term period user users student students teacher teachers staff canvas powerschool skyward synergy
    infinite campus aeries aspen focus pinnacle progressbook sapphire clever lti oneroster result results submission
    submissions object resource request response status value values field fields list lists email mail address
    association associations demographics schedule schedules level ready locked unavailable available enrolled
    assigned unassigned linked unlinked identifiers yes true false null undefined
"""
_NOT_NAMES = set(_NOT_NAMES_TEXT.split())
# A word with its dots and dashes ("1021.2.004", "ENG-10-03"); masked when it holds a digit.
_WORD_RUN = re.compile(r"\w+(?:[.\-]\w+)*")
_HEX_WORD = re.compile(r"\b[a-fA-F]{12,}\b")
_TIME = re.compile(r"(?<![\w:])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp][Mm]\b)?(?![\w:])")
_ID_LABEL = re.compile(r"(?:\bids?|#|\bno\.?|\bnumber|\bnum|\bnr|[a-z]Id|ID)[\s:=#(\[\"']*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def mask(text: str, max_chars: int = MAX_CHARS) -> str:
    """The text with every value replaced by a placeholder, at most `max_chars` long."""
    text = _read(text)
    text = _URL.sub(_mask_url, text)
    text = _EMAIL.sub(_SENTINEL[EMAIL], text)
    text = _QUOTED.sub(_mask_quoted, text)
    text = _mask_names(text)
    text = PLACEHOLDER.sub(_mask_shaped_value, text)
    text = _TIME.sub(_SENTINEL[TIME], text)
    text = _HEX_WORD.sub(_SENTINEL[ID], text)
    text = _WORD_RUN.sub(_mask_digit_word, text)
    return _cap(text, max_chars)


def _read(text: str) -> str:
    """At most READ_CHARS of the text, cleaned as the search cleans a paste, every numeral an ASCII 0."""
    cut = len(text) > READ_CHARS
    text = _SENTINEL_RANGE.sub(" ", clean(text[: READ_CHARS * 2])[:READ_CHARS])
    if cut and text.count('"') % 2:
        # a quoted value the cut split: without its closing quote it would not read as one
        text = text[: text.rindex('"')]
    # Digits of every script (Arabic-Indic, Devanagari, ...), and numerals NFKC leaves
    # (Roman, fractions), are values like ASCII digits; one form keeps the patterns simple.
    return "".join("0" if char.isnumeric() else char for char in text)


def _mask_url(match: re.Match) -> str:
    url = _URL_USERINFO.sub(_SENTINEL[VALUE] + "@", match.group())
    url = _URL_QUERY_VALUE.sub(lambda m: m.group(1) + (_SENTINEL[VALUE] if m.group(2) else ""), url)
    return _URL_FRAGMENT.sub(lambda m: "#" + _SENTINEL[VALUE] if len(m.group()) > 1 else m.group(), url)


def _person_before(text: str, end: int) -> str | None:
    """The person label ("student") the text ends with at `end`, if any."""
    found = _LABEL_BEFORE_QUOTE.search(text, max(0, end - 40), end)
    return _label(found.group(1)) if found else None


def _label(word: str) -> str:
    word = word.lower()
    return "user" if word in ("username", "login") else word


def _mask_quoted(match: re.Match) -> str:
    inner = match.group(1) if match.group(1) is not None else match.group(2)
    quote = match.group()[0]
    if not inner.strip() or (quote == '"' and _JSON_KEY_AFTER.match(match.string, match.end())):
        return match.group()  # "" or a JSON key
    if len(_WORD.findall(inner)) > _QUOTED_WORDS_MAX or _MESSAGE_KEY_BEFORE.search(
        match.string, max(0, match.start() - 40), match.start()
    ):
        return match.group()  # a message in quotes: its values are masked one by one later
    person = _person_before(match.string, match.start())
    if person:
        return _SENTINEL[f"[{person} name]"]
    return quote + _SENTINEL[VALUE] + quote


def _mask_names(text: str) -> str:
    """Words that look like a person's name after a person label, up to four of them."""
    out, cursor = [], 0
    for label in _PERSON_LABEL.finditer(text):
        if label.start() < cursor:
            continue
        separator = _SEPARATOR.match(text, label.end())
        start = separator.end()
        kind = _label(label.group(1))
        end = _name_end(text, start)
        if end == start and kind == "user" and ("=" in separator.group() or ":" in separator.group()):
            login = _LOGIN_VALUE.match(text, start)  # "username: jdoe": a login in any case
            end = login.end() if login and login.group().casefold() not in _NOT_NAMES else start
        if end > start:
            out += [text[cursor:start], _SENTINEL[f"[{kind} name]"]]
            cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _is_name_word(word: str) -> bool:
    bare = word.rstrip(".").casefold()
    return word[0].isupper() and bare not in _NOT_NAMES and bare.removesuffix("'s") not in _NOT_NAMES


def _particle_leads_to_name(text: str, position: int) -> bool:
    """After "de" in "Ana de la Cruz": more particles, then a name word."""
    for _ in range(3):
        join = _NAME_JOIN.match(text, position)
        word = _NAME_WORD.match(text, join.end()) if join else None
        if word is None:
            return False
        if word.group().casefold() not in _PARTICLES:
            return _is_name_word(word.group())
        position = word.end()
    return False


def _name_end(text: str, start: int) -> int:
    """Where a run of name words starting at `start` ends ("Maria Lopez", "Lopez, Maria",
    "Dr. Ana de la Cruz"); `start` when none starts there."""
    end, count, position, pending_comma = start, 0, start, False
    while count < _NAME_WORDS_MAX:
        word = _NAME_WORD.match(text, position)
        if not word:
            break
        value = word.group()
        if value.rstrip(".").casefold() in _TITLES and value[0].isupper():
            pass  # "Mr." belongs to the name that follows
        elif count and value.casefold() in _PARTICLES:
            if not _particle_leads_to_name(text, word.end()):
                break
        elif _is_name_word(value):
            count += 1
        else:
            break
        end = word.end()
        join = _NAME_JOIN.match(text, end)
        if not join or (pending_comma and "," in join.group()):
            break
        pending_comma = pending_comma or "," in join.group()
        position = join.end()
    return end


def _mask_shaped_value(match: re.Match) -> str:
    """Dates, UUIDs and hex ids, by the shapes the template compiler knows values by."""
    group = match.lastgroup
    if group == "isodate":
        return _SENTINEL[ISO_DATE]
    if group == "usdate":
        return _SENTINEL[US_DATE]
    if group in ("uuid", "hex"):
        return _SENTINEL[ID]
    return match.group()


def _mask_digit_word(match: re.Match) -> str:
    word = match.group()
    if not any(char.isdigit() for char in word):
        return word
    identifier = (
        sum(char.isdigit() for char in word) >= 5
        or any(char.isalpha() for char in word)
        or _ID_LABEL.search(match.string, max(0, match.start() - 30), match.start()) is not None
    )
    return _SENTINEL[ID if identifier else NUMBER]


def _cap(text: str, max_chars: int) -> str:
    """Placeholders back in place, whitespace folded, cut at a word or placeholder boundary."""
    parts = []
    length = 0
    for piece in re.split(r"([\ue000-\uf8ff])", _SPACES.sub(" ", text).strip()):
        piece = _RESTORE.get(piece, piece)
        if length + len(piece) <= max_chars:
            parts.append(piece)
            length += len(piece)
            continue
        if piece not in _SENTINEL:  # a literal run: as many whole words as fit
            room = piece[: max_chars - length]
            cut = room.rfind(" ")
            parts.append(room[:cut] if cut > 0 else ("" if length else room))
        break
    return "".join(parts).strip()
