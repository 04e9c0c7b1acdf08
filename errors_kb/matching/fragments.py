"""A paste that is a piece of a message: its first line, a sentence, what fit in a screenshot.

The piece is a run of the template's fixed segments found in order, with the paste's other
words standing where the template has slots; the run may end part-way into a segment (the
line was cut). What matters is how much of the paste the run explains and how long the run
is: a long run that explains the whole paste pins one message.
"""

from __future__ import annotations

from dataclasses import dataclass

from errors_kb.matching.scoring import MAX_SLOT_TOKENS, PreparedPaste, _find_segment, exact_match
from errors_kb.matching.templates import Template

MIN_CUT_WORDS = 2  # a cut segment counts from this many of its words
SLOT_EDGE_TOKENS = 12  # words before or after the run that a slot at that end may hold


@dataclass(frozen=True)
class Fragment:
    fixed_found: int  # template words the run found in order
    paste_words: int  # words of the paste
    unexplained: int  # paste words neither in the run nor where a slot stands
    first: int = 0  # the run: segments first..last-1, then `cut` words of segment `last`
    last: int = 0
    cut: int = 0

    @property
    def explained_share(self) -> float:
        return 1 - self.unexplained / self.paste_words if self.paste_words else 0.0


def _cut_prefix(prepared: PreparedPaste, segment: tuple[str, ...], from_token: int) -> int:
    """Words of `segment`'s start found right after a slot that begins at `from_token`."""
    for size in range(len(segment) - 1, MIN_CUT_WORDS - 1, -1):
        position = _find_segment(prepared, segment[:size], prepared.offsets[from_token] - 1)
        if position >= 0 and position - from_token <= MAX_SLOT_TOKENS and position + size == len(prepared.words):
            return size
    return 0


def fragment_match(template: Template, prepared: PreparedPaste) -> Fragment | None:
    """The longest in-order run of the template's segments in the paste, or None."""
    words = prepared.words
    if not template.segments or not words:
        return None
    best: Fragment | None = None
    for first in range(len(template.segments)):
        start = _find_segment(prepared, template.segments[first], 0)
        if start < 0:
            continue
        end = start + len(template.segments[first])
        found = len(template.segments[first])
        following = first + 1
        while following < len(template.segments):
            position = _find_segment(prepared, template.segments[following], prepared.offsets[end] - 1)
            if position < 0 or position - end > MAX_SLOT_TOKENS:
                break
            end = position + len(template.segments[following])
            found += len(template.segments[following])
            following += 1
        trailing_slot = following < len(template.segments) or template.has_trailing_slot
        cut = 0
        if following < len(template.segments) and end < len(words):
            cut = _cut_prefix(prepared, template.segments[following], end)
            if cut:
                found += cut
                end = len(words)
                trailing_slot = False
        leading_slot = first > 0 or template.has_leading_slot
        lead = min(start, SLOT_EDGE_TOKENS) if leading_slot else 0
        trail = min(len(words) - end, SLOT_EDGE_TOKENS) if trailing_slot else 0
        unexplained = (start - lead) + (len(words) - end - trail)
        fragment = Fragment(found, len(words), unexplained, first, following, cut if not trailing_slot else 0)
        if best is None or (fragment.fixed_found, -fragment.unexplained) > (best.fixed_found, -best.unexplained):
            best = fragment
    return best


def fragment_params(template: Template, prepared: PreparedPaste, fragment: Fragment) -> dict[str, str]:
    """The slot values of the run: the part of the template it covers, matched exactly."""
    segments = list(template.segments[fragment.first : fragment.last])
    gaps = list(template.gaps[fragment.first : fragment.last + 1])
    if fragment.cut:
        segments.append(template.segments[fragment.last][: fragment.cut])
        gaps.append(())
    part = Template(
        text=template.text,
        segments=tuple(segments),
        gaps=tuple(gaps),
        fixed_tokens=tuple(word for segment in segments for word in segment),
    )
    match = exact_match(part, prepared)
    return match.params if match else {}
