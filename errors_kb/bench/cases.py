"""What the benchmark searches for.

- Case files in the ../shared/eval format (`paste_dev.jsonl`, `paste_dev2.jsonl`, and the
  project's own tests/data/cases/search_cases.jsonl): {"id", "kind", "query",
  "vendor_hint", "vendors", "key"}; `vendors` empty = nothing explains it.
- Multi-error files (`multi_dev.jsonl`, tests/data/cases/multi_cases.jsonl):
  {"id", "kind", "query", "expect": [{"vendors", "key"}]}.
- Hand-written per-entry pastes (tests/data/pastes/<vendor>.jsonl: {"vendor", "slug",
  "paste", "params", "vendor_hint"?}; `_unrelated.jsonl`: {"paste"}), turned into cases
  whose key is a fixed part of the entry's message, so they are scored like the others.
- Every real entry's message filled with realistic values, plus unrelated texts.
- 20-error reports built from the per-entry pastes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from errors_kb.bench.synthetic import real_entries
from errors_kb.matching.fill import fill
from errors_kb.matching.templates import compile_template, display_parts


@dataclass
class Case:
    id: str
    query: str
    vendor_hint: str | None
    vendors: list[str]  # right answers' vendor names or slugs; empty: nothing explains it
    key: str  # a fixed part of the right message
    kind: str


@dataclass
class MultiCase:
    id: str
    query: str
    expect: list[dict]  # [{"vendors": [...], "key": "..."}], one per distinct error
    kind: str = "multi"
    vendor_hint: str | None = None


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_cases(path: Path) -> list[Case]:
    return [
        Case(raw["id"], raw["query"], raw.get("vendor_hint"), raw["vendors"], raw["key"], raw.get("kind", "all"))
        for raw in _jsonl(path)
    ]


def load_multi_cases(path: Path) -> list[MultiCase]:
    return [
        MultiCase(raw["id"], raw["query"], raw["expect"], raw.get("kind", "multi"), raw.get("vendor_hint"))
        for raw in _jsonl(path)
    ]


def is_twenty_error(case: MultiCase) -> bool:
    """A report of about twenty errors: twenty expected errors, or twenty lines holding them."""
    lines = [line for line in case.query.splitlines() if line.strip()]
    return len(case.expect) >= 20 or len(lines) >= 20


# --- the real entries ---------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    vendor_slug: str
    slug: str
    key: str  # the longest fixed part of its message ("" when it has none)
    shared_with: tuple[str, ...]  # other vendors whose message has the same fixed words
    generic: bool


def message_key(message: str) -> str:
    literals = [text.strip(" .,:;\"'") for text, is_slot in display_parts(message) if not is_slot]
    return max(literals, key=len, default="")


def entry_facts() -> dict[tuple[str, str], EntryFacts]:
    """Every published real entry by (vendor slug, slug), in id order."""
    rows = list(real_entries().published().order_by("id").values_list("vendor__slug", "slug", "message", "is_generic"))
    fixed = [compile_template(message).fixed_tokens for _, _, message, _ in rows]
    vendors_by_fixed: dict[tuple[str, ...], list[str]] = {}
    for (vendor, *_), tokens in zip(rows, fixed, strict=True):
        vendors_by_fixed.setdefault(tokens, []).append(vendor)
    facts = {}
    for (vendor, slug, message, generic), tokens in zip(rows, fixed, strict=True):
        shared = tuple(dict.fromkeys(v for v in vendors_by_fixed[tokens] if v != vendor))
        facts[(vendor, slug)] = EntryFacts(vendor, slug, message_key(message), shared, generic)
    return facts


NEGATIVES = [
    "Out of office until Monday, please contact the front desk",
    "npm ERR! code ERESOLVE unable to resolve dependency tree",
    "The projector in room 12 does not turn on",
    "Reminder: staff meeting moved to Thursday at 3pm in the library",
    "Traceback (most recent call last): File \"app.py\", line 3, in <module> KeyError: 'user'",
    "Your password will expire in 5 days. Change it now.",
    "Can you send me the field trip permission slip?",
    "Printer on floor 2 is out of toner",
    "Failed to load resource: net::ERR_CONNECTION_REFUSED",
    "Your Zoom meeting link has expired, please schedule a new meeting",
    "Canvas Studio video failed to upload: file exceeds 500 MB",
    "SAML SSO login failed: the identity provider returned an invalid assertion",
    "Quiz submission could not be autosaved, check your internet connection",
    "The gradebook CSV export finished; download it from your inbox",
    "Java heap space OutOfMemoryError in report scheduler",
    "Please update your emergency contact information before Friday",
    "Bus 14 will be 20 minutes late this afternoon",
    "Lunch menu: pizza, salad, and fruit cup",
    "Blueprint course sync completed with 0 changes",
    "Unable to connect to the Wi-Fi network SchoolGuest",
]


def entry_cases(seed: int = 11) -> list[Case]:
    """Every real entry's message filled with realistic values, plus unrelated text."""
    rng = random.Random(seed)
    facts = entry_facts()
    rows = real_entries().published().values_list("vendor__slug", "slug", "message")
    messages = {(v, s): m for v, s, m in rows}
    cases = []
    for (vendor, slug), fact in facts.items():
        if not fact.key:
            continue
        cases.append(
            Case(
                f"entry-{vendor}-{slug}",
                fill(messages[vendor, slug], rng),
                None,
                [vendor, *fact.shared_with],
                fact.key,
                "filled",
            )
        )
    cases += [Case(f"neg-{i}", text, None, [], "", "negative") for i, text in enumerate(NEGATIVES)]
    return cases


# --- hand-written per-entry pastes ------------------------------------------------------------

UNRELATED_FILE = "_unrelated.jsonl"


@dataclass(frozen=True)
class EntryPaste:
    where: str  # file:line
    vendor: str
    slug: str
    text: str
    vendor_hint: str | None = None
    params: dict = field(default_factory=dict, hash=False)


def load_entry_pastes(directory: Path) -> list[EntryPaste]:
    pastes = []
    for path in sorted(directory.glob("*.jsonl")) if directory.is_dir() else []:
        if path.name == UNRELATED_FILE:
            continue
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if raw.strip():
                row = json.loads(raw)
                where = f"{path.name}:{number}"
                pastes.append(
                    EntryPaste(
                        where, row["vendor"], row["slug"], row["paste"], row.get("vendor_hint"), row.get("params", {})
                    )
                )
    return pastes


def load_unrelated(directory: Path) -> list[str]:
    path = directory / UNRELATED_FILE
    return [row["paste"] for row in _jsonl(path)] if path.is_file() else []


def paste_cases(
    pastes: list[EntryPaste], unrelated: list[str], facts: dict[tuple[str, str], EntryFacts]
) -> tuple[list[Case], list[str]]:
    """Cases scored like check_search.py: the entry's vendor (or, with no hint, any vendor
    with the same wording) and the longest fixed part of its message. Also the pastes whose
    entry is not in the dictionary."""
    cases, unknown = [], []
    for paste in pastes:
        fact = facts.get((paste.vendor, paste.slug))
        if fact is None or not fact.key:
            unknown.append(f"{paste.where} {paste.vendor}/{paste.slug}")
            continue
        vendors = [paste.vendor] if paste.vendor_hint else [paste.vendor, *fact.shared_with]
        kind = "hinted" if paste.vendor_hint else "paste"
        cases.append(Case(paste.where, paste.text, paste.vendor_hint, vendors, fact.key, kind))
    cases += [Case(f"unrelated-{i}", text, None, [], "", "negative") for i, text in enumerate(unrelated, 1)]
    return cases, unknown


def twenty_error_reports(
    pastes: list[EntryPaste],
    facts: dict[tuple[str, str], EntryFacts],
    *,
    reports: int = 20,
    errors: int = 20,
    seed: int = 20,
    max_paste_chars: int = 400,
) -> list[MultiCase]:
    """Sync reports of `errors` different entries' hand-written pastes, one numbered line
    each (wraps joined), under a header. Only pastes that name their error alone: no vendor
    hint needed, not a generic message, wording no other vendor shares."""
    by_entry: dict[tuple[str, str], list[str]] = {}
    for paste in pastes:
        fact = facts.get((paste.vendor, paste.slug))
        text = " ".join(paste.text.split())
        alone = fact and fact.key and not fact.generic and not fact.shared_with and not paste.vendor_hint
        if alone and len(text) <= max_paste_chars:
            by_entry.setdefault((paste.vendor, paste.slug), []).append(text)
    entries = sorted(by_entry)
    if len(entries) < errors:
        return []
    rng = random.Random(seed)
    built = []
    for number in range(1, reports + 1):
        chosen = rng.sample(entries, errors)
        lines = [f"Sync to SIS finished with {errors} errors:"]
        lines += [f"{i}. {rng.choice(by_entry[entry])}" for i, entry in enumerate(chosen, 1)]
        expect = [{"vendors": [entry[0]], "key": facts[entry].key} for entry in chosen]
        built.append(MultiCase(f"report20-{number}", "\n".join(lines), expect, "report20"))
    return built
