"""Split a paste into error occurrences: a sync report copied whole holds many.

Plain Python: the caller gives a function that ranks one piece of text. A line is an
occurrence when its text matches a message exactly; a message that wraps over several
lines is found by joining a line with the next ones; a line that only resembles a message
counts when the ranking is confident. Lines nothing explains (headers, footers) are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from errors_kb.matching.rank import Ranking

MAX_LINES = 100  # lines of a paste read one by one; a longer report is for /triage/
MAX_SPAN = 8  # lines one message may wrap over
RESEMBLING = 3  # a line's best matches that a message wrapping from it may be
# Lines that get the full (fuzzy) ranking when no message matches them exactly; the rest
# are matched exactly only. Bounds the cost of a crafted paste of many near-messages.
MAX_THOROUGH_LINES = 6


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the paste as sent
    text: str


@dataclass
class Occurrence:
    first_line: int
    last_line: int
    ranking: Ranking

    @property
    def entry_id(self) -> int:
        return self.ranking.results[0].candidate.id


def split_lines(text: str) -> list[Line]:
    return [Line(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _exact(ranking: Ranking) -> bool:
    return ranking.confident and ranking.results[0].match.exact


def _covers_more(ranking: Ranking, than: Ranking | None) -> bool:
    """More of a message's fixed words found: the longer message a wrapped paste holds."""
    return than is None or ranking.results[0].match.covered > than.results[0].match.covered


def find_occurrences(lines: list[Line], rank_text: Callable[[str, bool], Ranking]) -> list[Occurrence]:
    """Occurrences in order. `rank_text(text, thorough)` ranks a piece of the paste: exact
    matches only, or every kind when `thorough` (it may cache by text)."""
    lines = lines[:MAX_LINES]
    found: list[Occurrence] = []
    thorough_left = MAX_THOROUGH_LINES
    index = 0
    while index < len(lines):
        line = lines[index]
        ranking = rank_text(line.text, False)
        if not _exact(ranking) and thorough_left > 0:
            thorough_left -= 1
            ranking = rank_text(line.text, True)
        best, best_span = (ranking, 1) if _exact(ranking) else (None, 0)
        # The line may start a message that wraps onto the next lines. The window's message
        # must need this line (without it, the window would only re-find a later line's).
        if any("\n" in r.candidate.message for r in ranking.results[:RESEMBLING]):
            for span in range(2, min(MAX_SPAN, len(lines) - index) + 1):
                window = lines[index : index + span]
                joined = rank_text("\n".join(part.text for part in window), False)
                if not _exact(joined) or not _covers_more(joined, best):
                    continue
                rest = rank_text("\n".join(part.text for part in window[1:]), False)
                if not (_exact(rest) and rest.results[0].candidate.id == joined.results[0].candidate.id):
                    best, best_span = joined, span
        if best is not None:
            found.append(Occurrence(line.number, lines[index + best_span - 1].number, best))
            index += best_span
            continue
        if ranking.confident:
            found.append(Occurrence(line.number, line.number, ranking))
        index += 1
    return found


@dataclass
class Group:
    """Identical occurrences: one distinct error of the paste."""

    occurrences: list[Occurrence]

    @property
    def count(self) -> int:
        return len(self.occurrences)

    @property
    def ranking(self) -> Ranking:
        return self.occurrences[0].ranking


def group_occurrences(occurrences: list[Occurrence]) -> list[Group]:
    """One group per entry, in order of first appearance."""
    groups: dict[int, Group] = {}
    for occurrence in occurrences:
        groups.setdefault(occurrence.entry_id, Group([])).occurrences.append(occurrence)
    return list(groups.values())
