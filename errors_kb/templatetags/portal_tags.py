from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from errors_kb.matching import slots
from errors_kb.matching.templates import display_parts

register = template.Library()


@register.filter
def with_values(text: str, params: dict | None) -> SafeString:
    """Escape a step and show a value from the paste after the first word that refers to it,
    where the sentence still reads right: the slot's kind (errors_kb/matching/slots.py) says
    which words its values may follow ("the assignment “Unit 3 Quiz”", never "the assignment
    “88213”": an ID goes only after "assignment ID")."""
    escaped = str(conditional_escape(text))
    inserts: dict[int, str] = {}  # offset in `escaped` -> the value's HTML, one value per word
    for name, value in (params or {}).items():
        words = slots.step_words(name, value) if value else ()
        if not words:
            continue
        # the registry's fixed word patterns; the value itself never enters a pattern
        pattern = re.compile(rf"\b(?:{'|'.join(words)})\b", re.IGNORECASE)
        for match in pattern.finditer(escaped):
            if match.end() not in inserts:
                inserts[match.end()] = str(
                    format_html(' <mark class="value" title="from your message">“{}”</mark>', value)
                )
                break
    out, cursor = [], 0
    for offset in sorted(inserts):
        out += [escaped[cursor:offset], inserts[offset]]
        cursor = offset
    out.append(escaped[cursor:])
    return mark_safe("".join(out))


@register.filter
def marked_slots(message: str) -> SafeString:
    """The message with its variable parts wrapped in <span class="slot">."""
    html = []
    for text, is_slot in display_parts(message):
        if is_slot:
            html.append(str(format_html('<span class="slot" title="varies: filled in by the SIS">{}</span>', text)))
        else:
            html.append(str(conditional_escape(text)))
    return mark_safe("".join(html))


@register.filter
def slot_label(name: str, value: str | None = None) -> str:
    """A slot's name in words a teacher reads ("student_id" -> "Student ID"); given the value,
    an assignment named by its number reads "Assignment ID"."""
    return slots.slot_label(name, value)
