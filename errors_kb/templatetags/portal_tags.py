from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from errors_kb.matching.templates import display_parts

register = template.Library()

# Words in fix steps that refer to a value extracted from the paste.
_REFERENCES = {
    "category": r"assignment groups?|grading categor(?:y|ies)|gradebook categor(?:y|ies)|categor(?:y|ies)",
    "assignment": r"assignments?",
    "section": r"sections?",
    "student": r"students?",
    "date": r"due dates?",
}


@register.filter
def with_values(text: str, params: dict | None) -> SafeString:
    """Escape a step and show, after the first word that refers to it, the value from the paste."""
    escaped = str(conditional_escape(text))
    for name, value in (params or {}).items():
        pattern = _REFERENCES.get(name.split("_")[0])
        if not pattern or not value:
            continue
        value_html = str(format_html(' <mark class="value" title="from your message">“{}”</mark>', value))
        escaped, count = re.subn(
            rf"\b({pattern})\b",
            lambda m, value_html=value_html: m.group(1) + value_html,
            escaped,
            count=1,
            flags=re.IGNORECASE,
        )
    return mark_safe(escaped)


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
def slot_label(name: str) -> str:
    """A slot's name as words a teacher reads ("student_id" -> "Student ID")."""
    words = name.replace("_", " ").split()
    return " ".join("ID" if word == "id" else word for word in words).capitalize().replace(" id", " ID")
