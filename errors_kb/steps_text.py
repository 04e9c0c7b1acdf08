"""Fix steps as plain text for curators: one step a line, sub-steps indented.

    In Canvas, verify the assignment group names.
        Open Settings.
        Compare the names.
    Re-sync grades to the SIS.

The nested-list shape is the one of the import format: a step is a string, or
{"text": ..., "steps": [...]} when it has sub-steps.
"""

from __future__ import annotations

import re

INDENT = "    "
_LIST_MARKER = re.compile(r"^(?:\d+[.)]|[-*•])\s+")


def steps_to_text(steps: list, depth: int = 0) -> str:
    lines = []
    for step in steps:
        text = step if isinstance(step, str) else step["text"]
        lines.append(INDENT * depth + text)
        if isinstance(step, dict) and step.get("steps"):
            lines.append(steps_to_text(step["steps"], depth + 1))
    return "\n".join(lines)


def _indent_width(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def text_to_steps(text: str) -> list:
    """Parse indented lines into nested steps; list markers ("1.", "-") are dropped."""
    root: list = []
    # Open levels, innermost last: (indent width, the list new steps at that level go to).
    stack: list[tuple[int, list]] = [(-1, root)]
    for raw in text.replace("\r\n", "\n").split("\n"):
        content = _LIST_MARKER.sub("", raw.strip())
        if not content:
            continue
        width = _indent_width(raw)
        while width <= stack[-1][0]:
            stack.pop()
        children: list = []
        stack[-1][1].append((content, children))
        stack.append((width, children))
    return [_finish(node) for node in root]


def _finish(node: tuple[str, list]) -> str | dict:
    text, children = node
    if not children:
        return text
    return {"text": text, "steps": [_finish(child) for child in children]}
