"""A triage answer as a download: CSV (one row per problem, then one per unknown template),
JSON (the /api/triage answer), and a plain-text table for the command line."""

from __future__ import annotations

import csv
import io
import json

from errors_kb.matching import slots
from errors_kb.triage import TriageGroup, TriageResult

CSV_COLUMNS = [
    "kind",
    "count",
    "vendor",
    "title",
    "url",
    "blocks_sync",
    "first_fix_step",
    "values",
    "template",
    "example",
    "line_numbers",
]


def values_summary(group: TriageGroup) -> str:
    """ "Section: 12; Category: 3": distinct values per slot."""
    return "; ".join(f"{slots.slot_label(slot)}: {count}" for slot, count in group.value_counts().items())


def _blocks(group: TriageGroup) -> str:
    return "" if group.blocks_sync is None else ("yes" if group.blocks_sync else "no")


def to_csv(result: TriageResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in result.groups:
        e = group.entry
        writer.writerow(
            [
                "entry",
                group.count,
                e.vendor,
                e.title,
                e.url,
                _blocks(group),
                group.first_step,
                values_summary(group),
                e.message,
                "",
                " ".join(map(str, group.line_numbers)),
            ]
        )
    for cluster in result.unknown:
        writer.writerow(
            [
                "unknown",
                cluster.count,
                "",
                "",
                "",
                "",
                "",
                "",
                cluster.template,
                cluster.example,
                " ".join(map(str, cluster.line_numbers)),
            ]
        )
    return out.getvalue()


def to_json(result: TriageResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(result: TriageResult) -> str:
    """For a terminal: one line per problem, most lines first, then the unknown templates."""
    lines = [
        f"{result.lines} lines, {result.known} explained by {len(result.groups)} entries, "
        f"{result.lines - result.known} not explained ({len(result.unknown)} templates)",
        "",
        f"{'lines':>7}  {'blocks':<6}  {'vendor':<22}  {'entry':<48}  values",
    ]
    for group in result.groups:
        lines.append(
            f"{group.count:>7}  {_blocks(group) or '-':<6}  {_cut(group.entry.vendor, 22):<22}  "
            f"{_cut(group.entry.title, 48):<48}  {values_summary(group)}"
        )
    if result.unknown:
        lines += ["", f"{'lines':>7}  not in the dictionary (template)"]
        for cluster in result.unknown:
            lines.append(f"{cluster.count:>7}  {_cut(cluster.template, 100)}")
    return "\n".join(lines) + "\n"
