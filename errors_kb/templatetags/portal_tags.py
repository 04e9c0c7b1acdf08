from __future__ import annotations

import hashlib
import re

from django import template
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from errors_kb.dictionary_cache import FRAGMENT_SECONDS
from errors_kb.matching import slots
from errors_kb.matching.templates import display_parts

register = template.Library()


_HOLE = re.compile("\ue000([0-9]+)\ue001")

Marks = list[tuple[tuple[str, ...], str]]  # (step words a value may follow, the value shown)


class ValueHoles(dict):
    """A paste's values as placeholders, for rendering an answer's body once and keeping it:
    each slot keeps the step words its real value may follow, and its value is put in the
    kept HTML afterwards (`fill`). The key of the kept HTML is `signature`: fixed registry
    words, never a value."""

    def __init__(self, params: dict | None):
        super().__init__()
        self.values: list[str] = []
        self.marks: Marks = []
        for words, value in step_marks(params):
            hole = f"\ue000{len(self.values)}\ue001"
            self.values.append(value)
            self.marks.append((words, hole))

    @property
    def signature(self) -> tuple[tuple[str, ...], ...]:
        return tuple(words for words, _ in self.marks)

    def fill(self, html: str) -> SafeString:
        # One pass: a value that holds a placeholder's characters is never read as one.
        return mark_safe(_HOLE.sub(lambda m: str(conditional_escape(self.values[int(m.group(1))])), html))


def step_marks(params: dict | None) -> Marks:
    """Each value of the paste a step may show, with the words it may follow: the slot's kind
    (errors_kb/matching/slots.py) says which ("the assignment “Unit 3 Quiz”", never "the
    assignment “88213”": an ID goes only after "assignment ID"). Placeholders carry theirs."""
    if isinstance(params, ValueHoles):
        return params.marks
    marks = []
    for name, value in (params or {}).items():
        words = slots.step_words(name, value) if value else ()
        if words:
            marks.append((words, value))
    return marks


@register.filter
def with_values(text: str, params: dict | None) -> SafeString:
    """Escape a step and show a value from the paste after the first word that refers to it,
    where the sentence still reads right (step_marks)."""
    return _with_marks(text, step_marks(params))


def _with_marks(text: str, marks: Marks) -> SafeString:
    escaped = str(conditional_escape(text))
    inserts: dict[int, str] = {}  # offset in `escaped` -> the value's HTML, one value per word
    for words, value in marks:
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


def _kept(generation: int | None, key: tuple, render) -> str:
    """`render()`, kept in the worker's "fragments" cache under the dictionary's generation
    (errors_kb/dictionary_cache.py); with no generation known, rendered every time."""
    if generation is None:
        return render()
    fragments = caches["fragments"]
    name = "fragment:" + hashlib.sha256(repr((generation, *key)).encode()).hexdigest()
    html = fragments.get(name)
    if html is None:
        html = render()
        fragments.set(name, html, FRAGMENT_SECONDS)
    return html


@register.simple_tag
def answer_head(entry, generation: int | None) -> SafeString:
    """A search answer's badges and message: public entry data only, rendered once per entry and generation."""
    return mark_safe(
        _kept(
            generation,
            ("answer-head", entry.pk),
            lambda: render_to_string("includes/answer_head.html", {"entry": entry}),
        )
    )


@register.simple_tag(takes_context=True)
def answer_body(context, entry, params: dict | None, generation: int | None) -> SafeString:
    """includes/entry_body.html for a search answer. Rendered once per entry, generation, reader
    (staff see internal notes) and slot words, and kept with placeholders where the paste's
    values go; the values are put in for each request."""
    holes = ValueHoles(params)
    staff = bool(context.get("staff_view") and context["staff_view"]())
    html = _kept(
        generation,
        ("answer-body", entry.pk, staff, holes.signature),
        lambda: render_to_string("includes/entry_body.html", {"entry": entry, "params": holes, "staff_view": staff}),
    )
    return holes.fill(html)


@register.simple_tag
def step_list(steps, params: dict | None = None) -> SafeString:
    """Steps as nested ordered lists, each with the paste's values shown where they read right.
    In Python rather than a template including itself: a search answer renders it on every
    request, and each level of {% include %} cost more than the whole list does here."""
    return _step_list(steps, step_marks(params))


def _step_list(steps, marks: Marks) -> SafeString:
    items = []
    for step in steps:
        children = step.children.all()
        nested = _step_list(children, marks) if children else ""
        items.append(format_html("<li>{}{}</li>", _with_marks(step.text, marks), nested))
    return format_html('<ol class="steps">{}</ol>', mark_safe("".join(items)))


@register.simple_tag
def vendor_options(vendors, selected_slug: str = "") -> SafeString:
    """The <option>s of a vendor picker, the chosen one selected (the search page renders it
    on every request: a loop of {% if %} in the template cost ten times this)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v.slug, mark_safe(" selected") if v.slug == selected_slug else "", v.name) for v in vendors),
    )


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
