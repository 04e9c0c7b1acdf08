"""Triage: a whole sync report in, one group per problem out, and what no entry explains.

Thousands of lines cost what a few hundred distinct messages cost:

1. Lines are deduplicated, then grouped by *shape*: the text with every word holding a digit
   (IDs, dates, numbers; HTTP statuses excepted) collapsed. Fixed words stay, so near-twin
   messages (which differ in fixed words) never share a shape.
2. One representative per shape is normalised; the report's words get their dictionary
   statistics in one query, and each shape a probe (errors_kb/retrieval.py); identical
   probes are asked once, all of them in a few statements.
3. Each shape's representative is ranked exactly against its candidates (errors_kb/matching/
   rank.py, exact pass). Every other line of a matched shape is then matched against that
   entry's templates alone (linear, pure Python), which checks it and gives its slot values;
   a line that does not fit is ranked on its own.
4. Shapes that no template matches exactly get the full (fuzzy) ranking, most frequent first
   and up to MAX_THOROUGH_SHAPES; a confident answer there is the entry.
5. What is left is clustered into templates by Drain (the drain3 log-template miner), fed
   with masked text (errors_kb/masking.py): each cluster has a count, a template and a
   masked example.

Nothing of the report is written or logged: it is read, answered, and dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field

from drain3.drain import Drain

from errors_kb import retrieval
from errors_kb.masking import mask
from errors_kb.matching import slots
from errors_kb.matching.generic import is_bare_http_status
from errors_kb.matching.normalize import Normalized, clean, normalize, tokenize
from errors_kb.matching.rank import (
    GENERIC_NAMES,
    SHORT_TEXT_NAMES,
    SHORT_TEXT_WORDS,
    Candidate,
    Ranking,
    best_exact,
    rank,
)
from errors_kb.matching.scoring import PreparedPaste, idf_weight
from errors_kb.matching.templates import compile_template
from errors_kb.models import Vendor
from errors_kb.triage_input import Record

MAX_LINE_CHARS = 3000  # of a line, what is matched
MAX_LOOKED_UP_WORDS = 20_000  # the report's most frequent words get dictionary statistics
PROBES_PER_STATEMENT = 400
FIRST_ROUND_SHAPES = 100  # the most frequent shapes, looked up first
MAX_SECOND_LOOKS = 200  # unexplained shapes, most frequent first, given a single paste's look-up
SECOND_LOOK_MAX_WORDS = 16  # ... when short
SECOND_LOOK_KNOWN_SHARE = 0.6  # ... and made mostly of words some message holds
MAX_DICTIONARY_WORDS_IN_VALUES = 2  # in a line a first-round entry explains without a look-up
# Unmatched shapes, most frequent first, that get the fuzzy ranking: a report's lines are machine
# made, and match exactly or not at all but for a few (a message cut or reworded by a wrapper).
MAX_THOROUGH_SHAPES = 50
MIN_RESEMBLING_SHARE = 1 / 3
MAX_CLUSTERS = 500  # Drain clusters kept; the rest of the unknown lines join an "other" cluster
MAX_VALUES_KEPT = 1000  # distinct values per slot kept for the page (the count stays exact)
PROGRESS_EVERY = 2000  # lines between two progress events
_DIGITS_WORD = re.compile(r"[\w.\-:/+]*\d[\w.\-:/+]*")


def _collapse(match: re.Match) -> str:
    word = match.group()
    # HTTP statuses stay: "404 Not Found" is not "409 Conflict". Every other number is a value
    # (a line whose fixed text holds another number is checked line by line, and ranked alone).
    return word if len(word) == 3 and word.isdigit() and "100" <= word <= "599" else "#"


def shape_of(text: str) -> str:
    """The text with its identifiers collapsed: lines of one message with other values share it."""
    return _DIGITS_WORD.sub(_collapse, text)


@dataclass(frozen=True)
class EntryRef:
    id: int
    url: str
    vendor: str
    vendor_slug: str
    title: str
    message: str

    @classmethod
    def of(cls, candidate: Candidate) -> EntryRef:
        from errors_kb.search import entry_url

        c = candidate
        return cls(c.id, entry_url(c.vendor_slug, c.slug), c.vendor_name, c.vendor_slug, c.title, c.message)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "url": self.url,
            "vendor": self.vendor,
            "vendor_slug": self.vendor_slug,
            "title": self.title,
            "message": self.message,
        }


@dataclass
class TriageGroup:
    """The lines one entry explains, and the values they hold per slot."""

    entry: EntryRef
    line_numbers: list[int] = field(default_factory=list)
    values: dict[str, Counter] = field(default_factory=dict)  # slot -> value -> lines
    distinct: dict[str, set[str]] = field(default_factory=dict)  # slot -> every distinct value
    blocks_sync: bool | None = None  # from the entry's details, when loaded (entry_details)
    first_step: str = ""

    @property
    def count(self) -> int:
        return len(self.line_numbers)

    def value_counts(self) -> dict[str, int]:
        return {slot: len(found) for slot, found in self.distinct.items()}

    def add_values(self, params: dict[str, str], lines: int) -> None:
        for slot, value in params.items():
            seen = self.distinct.setdefault(slot, set())
            seen.add(value)
            counter = self.values.setdefault(slot, Counter())
            if value in counter or len(counter) < MAX_VALUES_KEPT:
                counter[value] += lines

    def slots(self) -> list[dict]:
        """For the page: each slot's label, whether its values are personal, and its values, most first."""
        return [
            {
                "name": slot,
                "label": slots.slot_label(slot),
                "personal": is_personal(slot),
                "distinct": len(self.distinct.get(slot, ())),
                "values": counter.most_common(),
            }
            for slot, counter in self.values.items()
        ]

    def to_dict(self) -> dict:
        return {
            "count": self.count,
            "entry": self.entry.to_dict(),
            "line_numbers": self.line_numbers,
            "values": self.value_counts(),
        }


def is_personal(slot: str) -> bool:
    """Values that name or identify a person: masked on the page until shown."""
    return slot.startswith(("student", "teacher", "user", "grader")) or slot.endswith("name")


@dataclass
class UnknownCluster:
    """Lines no entry explains that share a template."""

    template: str
    example: str  # masked
    line_numbers: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.line_numbers)

    def to_dict(self) -> dict:
        return {
            "count": self.count,
            "template": self.template,
            "example": self.example,
            "line_numbers": self.line_numbers,
        }


@dataclass
class TriageResult:
    lines: int
    known: int
    groups: list[TriageGroup]
    unknown: list[UnknownCluster]
    format: str = "text"
    column: str | None = None

    def to_dict(self) -> dict:
        """The /api/triage answer (../shared/DESIGN.md)."""
        return {
            "lines": self.lines,
            "known": self.known,
            "groups": [group.to_dict() for group in self.groups],
            "unknown": [cluster.to_dict() for cluster in self.unknown],
        }

    def assignments(self) -> dict[int, int | None]:
        """Line number -> entry id (None: unknown), for tests and the benchmark."""
        found: dict[int, int | None] = {}
        for group in self.groups:
            for number in group.line_numbers:
                found[number] = group.entry.id
        for cluster in self.unknown:
            for number in cluster.line_numbers:
                found[number] = None
        return found


@dataclass(frozen=True)
class Progress:
    stage: str  # "reading", "matching", "clustering"
    done: int  # lines
    total: int

    def to_dict(self) -> dict:
        return {"stage": self.stage, "done": self.done, "total": self.total}


class _VendorNeedles:
    """detect_vendor (errors_kb/matching/rank.py) with the vendors' names normalised once."""

    def __init__(self, vendors: Iterable[Vendor]):
        self.needles: list[tuple[str, str]] = []
        for vendor in vendors:
            for name in (vendor.name, *vendor.aliases):
                needle = " ".join(normalize(name).words)
                if needle:
                    self.needles.append((vendor.slug, needle))
        self.first_words = {needle.split(" ")[0] for _, needle in self.needles}

    def detect(self, words: tuple[str, ...]) -> str | None:
        if self.first_words.isdisjoint(words):
            return None  # names no vendor (most lines): no need to look for each name
        prepared = " " + " ".join(words) + " "
        counts: dict[str, int] = {}
        for slug, needle in self.needles:
            short_text = len(words) <= SHORT_TEXT_WORDS and needle in SHORT_TEXT_NAMES
            if needle in GENERIC_NAMES and not short_text:
                continue
            found = prepared.count(" " + needle + " ")
            if found:
                counts[slug] = counts.get(slug, 0) + found
        best, best_count = None, 0
        for slug, count in counts.items():  # the first vendor named most often, as detect_vendor
            if count > best_count:
                best, best_count = slug, count
        return best


@dataclass
class _Shape:
    texts: list[str]
    lines: int  # records of all its texts
    paste: Normalized | None = None
    detected: str | None = None
    probe_key: str = ""
    ranking: Ranking | None = None
    entry: Candidate | None = None


def _confident_entry(ranking: Ranking) -> Candidate | None:
    if ranking.confident and ranking.results:
        return ranking.results[0].candidate
    return None


class _Matcher:
    def __init__(self, vendors: list[Vendor], vendor_hint: Vendor | None):
        self.vendor_hint = vendor_hint
        self.needles = _VendorNeedles(vendors)
        self.weight = None

    def rank(self, pool: list[Candidate], paste: Normalized, detected: str | None, *, exact_only: bool) -> Ranking:
        return rank(
            pool,
            paste,
            self.weight,
            vendor_hint=self.vendor_hint.slug if self.vendor_hint else None,
            detected_vendor=detected,
            limit=3,
            exact_only=exact_only,
        )


def _may_resemble(pool: list[Candidate], paste: Normalized) -> bool:
    """Whether any candidate's message has a share of its words in the line that a confident
    fuzzy match needs (recall weighs most in its F-measure: below a third, none is confident)."""
    words = set(paste.words)
    for candidate in pool:
        for text in (candidate.message, *candidate.variants):
            fixed = set(compile_template(text).fixed_tokens)
            if fixed and len(fixed & words) >= MIN_RESEMBLING_SHARE * len(fixed):
                return True
    return False


def _exact_params(candidate: Candidate, prepared: PreparedPaste) -> dict[str, str] | None:
    """The values of the candidate's best exact template match, None when none matches."""
    match = best_exact(candidate, prepared)
    return None if match is None else match.params


_SEEN = "seen"  # the pool of the entries the first round found


def _look_up(
    shapes: list[_Shape], pools: dict, stats, weight, *, wide: bool = False, vendors: list[Vendor] = ()
) -> None:
    """Candidates for each shape: one probe each (`wide`: a single paste's, plus one for the vendor
    the line names), identical probes asked once, in few statements."""
    probes: dict[str, retrieval.Probe] = {}
    wanted: dict[int, list[str]] = {}
    by_slug = {vendor.slug: vendor for vendor in vendors}
    for shape in shapes:
        words = list(shape.paste.words)
        if wide:
            made = [retrieval.make_probe(words, stats, weight)]
            if shape.detected in by_slug:
                made.append(retrieval.make_probe(words, stats, weight, vendor=by_slug[shape.detected]))
        else:
            made = [
                retrieval.make_probe(
                    words,
                    stats,
                    weight,
                    budget=retrieval.LINE_ROW_BUDGET,
                    limit=retrieval.CANDIDATES_PER_LINE,
                    stems_limit=0,  # prose stems find entries by their explanations: no help to match a message
                    ranking_limit=retrieval.RANKING_WORDS_PER_LINE,
                    # A line of a report matches its entry exactly: any of its rarest words
                    # finds it, and a line that does not match gets the wide look-up below.
                    widen=False,
                )
            ]
        keys = []
        for probe in made:
            key = json.dumps(probe.as_json(), sort_keys=True)
            probes.setdefault(key, probe)
            keys.append(key)
        wanted[id(shape)] = keys
        shape.probe_key = "+".join(keys)
    asked = [key for key in probes if key not in pools]
    for start in range(0, len(asked), PROBES_PER_STATEMENT):
        chunk = asked[start : start + PROBES_PER_STATEMENT]
        for key, found in zip(chunk, retrieval.candidates([probes[k] for k in chunk]), strict=True):
            pools[key] = found
    for shape in shapes:
        keys = wanted[id(shape)]
        if len(keys) > 1 and shape.probe_key not in pools:
            pools[shape.probe_key] = list({c.id: c for key in keys for c in pools[key]}.values())


def _reads_like_a_message(paste: Normalized, stats) -> bool:
    """A short line made mostly of the dictionary's words (values aside): what a message of it looks like."""
    words = [w for w in paste.words if not any(c.isdigit() for c in w)]
    if not words or len(words) > SECOND_LOOK_MAX_WORDS:
        return False
    return sum(1 for w in words if w in stats.template) >= SECOND_LOOK_KNOWN_SHARE * len(words)


def _rank_exact(shapes: list[_Shape], pools: dict, matcher: _Matcher) -> None:
    for shape in shapes:
        shape.ranking = matcher.rank(pools[shape.probe_key], shape.paste, shape.detected, exact_only=True)
        top = _confident_entry(shape.ranking)
        if top is not None and shape.ranking.results[0].match.exact:
            shape.entry = top


class _SeenEntries:
    """The entries the first round's shapes matched, indexed by their templates' rarest word.

    A shape is explained by one of them only when nothing else could rank above it: its
    template matches exactly; the line holds no dictionary word beyond that template's fixed
    words and its values, and its values hardly any (so no longer message of another entry can
    be in it); it names no
    other vendor than the entry's (a vendor named steers the ranking), and it is not a bare
    HTTP status or a generic message (which the ranking does not call confident)."""

    def __init__(self, entries: list[Candidate], stats):
        self.entries = list({c.id: c for c in entries}.values())
        self.by_word: dict[str, list[Candidate]] = {}
        self.fixed: dict[int, frozenset[str]] = {}
        self.stats = stats
        for candidate in self.entries:
            fixed = set()
            for text in (candidate.message, *candidate.variants):
                tokens = compile_template(text).fixed_tokens
                fixed.update(tokens)
                if tokens:
                    rarest = min(tokens, key=lambda w: (stats.template.get(w, 0), w))
                    self.by_word.setdefault(rarest, []).append(candidate)
            self.fixed[candidate.id] = frozenset(fixed)

    def explains(self, shape: _Shape, matcher: _Matcher) -> Candidate | None:
        paste = shape.paste
        words = set(paste.words)
        if is_bare_http_status(paste):
            return None
        found: dict[int, Candidate] = {}
        for word in words & self.by_word.keys():
            for candidate in self.by_word[word]:
                found[candidate.id] = candidate
        for candidate in found.values():
            if candidate.is_generic and shape.detected != candidate.vendor_slug:
                continue
            if shape.detected not in (None, candidate.vendor_slug):
                continue
            hint = matcher.vendor_hint
            if hint is not None and hint.slug != candidate.vendor_slug:
                continue
            params = _exact_params(candidate, PreparedPaste(paste))
            if params is None:
                continue
            value_words = [token.text for value in params.values() for token in tokenize(clean(value))]
            if sum(1 for w in value_words if w in self.stats.template) > MAX_DICTIONARY_WORDS_IN_VALUES:
                continue  # a value that reads like a message ("[error text]") may hold another entry's
            extra = {w for w in words if w in self.stats.template} - self.fixed[candidate.id] - set(value_words)
            if not extra:
                return candidate
        return None


def triage_steps(
    records: list[Record],
    *,
    vendors: list[Vendor] | None = None,
    vendor_hint: Vendor | None = None,
) -> Generator[Progress, None, TriageResult]:
    """Triage the records, yielding progress now and then; returns the result."""
    vendors = list(Vendor.objects.all()) if vendors is None else vendors
    total = len(records)
    yield Progress("reading", 0, total)
    by_text: dict[str, list[int]] = {}
    for record in records:
        by_text.setdefault(record.text, []).append(record.number)
    shapes: dict[str, _Shape] = {}
    for text, numbers in by_text.items():
        key = shape_of(text[:MAX_LINE_CHARS])
        shape = shapes.get(key)
        if shape is None:
            shapes[key] = _Shape([text], len(numbers))
        else:
            shape.texts.append(text)
            shape.lines += len(numbers)
    matcher = _Matcher(vendors, vendor_hint)
    word_lines: Counter = Counter()
    for shape in shapes.values():
        shape.paste = normalize(shape.texts[0], MAX_LINE_CHARS)
        shape.detected = matcher.needles.detect(shape.paste.words)
        for word in set(shape.paste.words):
            word_lines[word] += shape.lines
    looked_up = [word for word, _ in word_lines.most_common(MAX_LOOKED_UP_WORDS)]
    stats = retrieval.word_statistics(looked_up)
    matcher.weight = weight = idf_weight(stats.template_frequency, stats.total)

    # The most frequent shapes are looked up and ranked first. Each other shape is first matched
    # against the entries they found (a line of an entry already seen, with other values); only
    # the shapes that this leaves unexplained get a look-up of their own.
    pools: dict[str, list[Candidate]] = {}
    order = sorted(shapes.values(), key=lambda s: -s.lines)
    first, rest = order[:FIRST_ROUND_SHAPES], order[FIRST_ROUND_SHAPES:]
    _look_up(first, pools, stats, weight)
    _rank_exact(first, pools, matcher)
    seen = _SeenEntries([s.entry for s in first if s.entry is not None], stats)
    pools[_SEEN] = seen.entries
    unseen = []
    for shape in rest:
        entry = seen.explains(shape, matcher)
        if entry is None:
            unseen.append(shape)
        else:
            shape.entry, shape.probe_key = entry, _SEEN
    _look_up(unseen, pools, stats, weight)
    _rank_exact(unseen, pools, matcher)
    # A short message of common words ("User not found") can be crowded out of a line's few
    # candidates in a large dictionary: the most frequent shapes still unexplained get the
    # look-up a single paste gets (a wider row budget, more candidates, prose stems, and the
    # vendor the line names).
    unexplained = [s for s in order if s.entry is None and _reads_like_a_message(s.paste, stats)][:MAX_SECOND_LOOKS]
    _look_up(unexplained, pools, stats, weight, wide=True, vendors=vendors)
    _rank_exact(unexplained, pools, matcher)
    # Fuzzy pass for the most frequent shapes no template matched.
    unmatched = sorted((s for s in shapes.values() if s.entry is None), key=lambda s: -s.lines)
    unmatched = [
        s for s in unmatched if _reads_like_a_message(s.paste, stats) and _may_resemble(pools[s.probe_key], s.paste)
    ]
    for shape in unmatched[:MAX_THOROUGH_SHAPES]:
        ranking = matcher.rank(pools[shape.probe_key], shape.paste, shape.detected, exact_only=False)
        shape.entry = _confident_entry(ranking)
    yield Progress("matching", 0, total)

    groups: dict[int, TriageGroup] = {}
    # Lines no entry explains, by shape (or alone): (the text masked for Drain, its line numbers).
    unknown: dict[tuple, tuple[str, list[int]]] = {}
    done = 0
    next_progress = PROGRESS_EVERY
    for shape in shapes.values():
        for index, text in enumerate(shape.texts):
            numbers = by_text[text]
            done += len(numbers)
            if done >= next_progress:
                next_progress = done + PROGRESS_EVERY
                yield Progress("matching", done, total)
            entry = shape.entry
            if entry is None:
                unknown.setdefault(("shape", id(shape)), (shape.texts[0], []))[1].extend(numbers)
                continue
            paste = shape.paste if index == 0 else normalize(text, MAX_LINE_CHARS)
            params = _exact_params(entry, PreparedPaste(paste))
            if params is None:
                if index == 0:
                    params = shape.ranking.results[0].match.params if shape.ranking and shape.ranking.results else {}
                    params = params if _confident_entry(shape.ranking) is entry else {}
                else:
                    # A sibling that does not fit its shape's entry: ranked on its own, against its
                    # shape's candidates (or, for a shape the first round's entries explained, those).
                    detected = matcher.needles.detect(paste.words)
                    own = matcher.rank(pools[shape.probe_key], paste, detected, exact_only=True)
                    entry = _confident_entry(own)
                    if entry is None:
                        unknown.setdefault(("line", text), (text, []))[1].extend(numbers)
                        continue
                    params = own.results[0].match.params
            group = groups.get(entry.id)
            if group is None:
                group = groups[entry.id] = TriageGroup(EntryRef.of(entry))
            group.line_numbers.extend(numbers)
            group.add_values(params, len(numbers))
    yield Progress("clustering", done, total)
    clusters = cluster_unknown(list(unknown.values()))
    ordered = sorted(groups.values(), key=lambda g: (-g.count, min(g.line_numbers)))
    for group in ordered:
        group.line_numbers.sort()
    known = sum(g.count for g in ordered)
    yield Progress("done", total, total)
    return TriageResult(lines=total, known=known, groups=ordered, unknown=clusters)


def cluster_unknown(pieces: list[tuple[str, list[int]]]) -> list[UnknownCluster]:
    """Lines no entry explains, clustered by Drain on their masked text, most lines first.
    `pieces`: a text and the line numbers it stands for (the lines of one shape)."""
    drain = Drain(sim_th=0.4, depth=4, max_children=100, max_clusters=MAX_CLUSTERS, param_str="<*>")
    members: dict[int, list[int]] = {}
    examples: dict[int, str] = {}
    for text, numbers in pieces:
        masked = mask(text) or "(no words)"
        cluster, _ = drain.add_log_message(masked)
        members.setdefault(cluster.cluster_id, []).extend(numbers)
        examples.setdefault(cluster.cluster_id, masked)
    found = []
    for cluster_id, numbers in members.items():
        cluster = drain.id_to_cluster.get(cluster_id)
        template = cluster.get_template() if cluster is not None else examples[cluster_id]
        found.append(UnknownCluster(template, examples[cluster_id], sorted(numbers)))
    found.sort(key=lambda c: (-c.count, c.line_numbers[0]))
    return found


def triage(
    records: list[Record],
    *,
    vendors: list[Vendor] | None = None,
    vendor_hint: Vendor | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> TriageResult:
    steps = triage_steps(records, vendors=vendors, vendor_hint=vendor_hint)
    while True:
        try:
            progress = next(steps)
        except StopIteration as done:
            return done.value
        if on_progress is not None:
            on_progress(progress)


def entry_details(result: TriageResult) -> None:
    """Each group's "blocks the sync" and first fix step, from one query (and its prefetches)."""
    from errors_kb.models import Entry

    ids = [group.entry.id for group in result.groups]
    if not ids:
        return
    entries = Entry.objects.filter(id__in=ids).prefetch_related("causes__steps").in_bulk(ids)
    for group in result.groups:
        entry = entries.get(group.entry.id)
        if entry is None:
            continue
        group.blocks_sync = entry.blocks_sync
        for cause in entry.causes.all():
            steps = [step for step in cause.steps.all() if step.parent_id is None]
            if steps:
                group.first_step = steps[0].text
                break
