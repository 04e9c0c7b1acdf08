"""Measurements: scoring exactly like ../shared/eval/check_search.py and check_multi.py
(on the /api/search JSON the search's `to_dict()` gives), server-side latency, database
queries per search, and peak memory."""

from __future__ import annotations

import gc
import re
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from errors_kb.bench import baselines
from errors_kb.bench.cases import Case, MultiCase
from errors_kb.search import search

# --- check_search.py's scorer ------------------------------------------------------------

QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def norm_text(s: str | None) -> str:
    s = unicodedata.normalize("NFKC", s or "").translate(QUOTES).lower()
    return re.sub(r"\s+", " ", s).strip()


def norm_vendor(s: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (s or "").lower())


def vendor_ok(expected: list[str], result: dict) -> bool:
    names = {norm_vendor(result.get("vendor")), norm_vendor(result.get("vendor_slug"))}
    for exp in map(norm_vendor, expected):
        for got in names:
            if got and (exp in got or (exp == "qsis" and got == "q")):
                return True
    return False


def hit(vendors: list[str], key: str, result: dict) -> bool:
    if not vendor_ok(vendors, result):
        return False
    key = norm_text(key)
    return key in norm_text(result.get("message")) or key in norm_text(result.get("title"))


def percentile(latencies: list[float], p: float) -> float:
    """check_search.py's percentile: the value at int(p * n) of the sorted list."""
    if not latencies:
        return float("nan")
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- methods: each answers a query with an /api/search-shaped body -------------------------

Method = Callable[[str, str | None], dict]
LIMIT = 10


def portal(query: str, vendor_hint: str | None) -> dict:
    return search(query, vendor_hint, max_chars=settings.SEARCH_MAX_CHARS, limit=LIMIT).to_dict()


def _baseline(function: Callable[[str], list[dict]]) -> Method:
    def run(query: str, vendor_hint: str | None) -> dict:
        results = function(query, LIMIT)
        # no notion of confidence: a baseline that answers anything "claims" an answer
        return {"results": results, "confident": bool(results), "errors": []}

    return run


METHODS: dict[str, Method] = {"portal": portal, **{name: _baseline(f) for name, f in baselines.BASELINES.items()}}


@dataclass
class Timed:
    body: dict | None
    ms: float
    queries: int | None = None
    error: str | None = None


def timed(method: Method, query: str, vendor_hint: str | None, *, count_queries: bool = False) -> Timed:
    """One search; a crash is recorded (and scored as a miss), as check_search.py does."""
    context = CaptureQueriesContext(connection) if count_queries else None
    started = time.perf_counter()
    try:
        if context is not None:
            with context:
                body = method(query, vendor_hint)
        else:
            body = method(query, vendor_hint)
    except Exception as error:  # noqa: BLE001 - the benchmark reports it and goes on
        return Timed(None, (time.perf_counter() - started) * 1000, None, f"{type(error).__name__}: {error}"[:200])
    ms = (time.perf_counter() - started) * 1000
    return Timed(body, ms, len(context.captured_queries) if context is not None else None)


# --- single-error pastes -------------------------------------------------------------------


@dataclass
class CaseRecord:
    case: Case
    rank: int | None
    confident: bool
    ms: float
    queries: int | None
    top: dict | None
    error: str | None = None


def run_cases(method: Method, cases: list[Case], *, count_queries: bool) -> list[CaseRecord]:
    """A first pass (warms caches; counts queries) then a timed pass that is scored."""
    first = [timed(method, c.query, c.vendor_hint, count_queries=count_queries) for c in cases]
    records = []
    for case, warm in zip(cases, first, strict=True):
        run = timed(method, case.query, case.vendor_hint)
        results = (run.body or {}).get("results") or []
        rank = next((i + 1 for i, r in enumerate(results) if hit(case.vendors, case.key, r)), None)
        records.append(
            CaseRecord(
                case,
                rank if case.vendors else None,
                bool((run.body or {}).get("confident")),
                run.ms,
                warm.queries,
                results[0] if results else None,
                run.error or warm.error,
            )
        )
    return records


@dataclass
class Summary:
    n: int
    top1: float | None
    top3: float | None
    mrr: float | None
    confident_when_right: float | None
    false_confident: float | None
    p50_ms: float
    p95_ms: float
    errors: int = 0


def summarize(records: list[CaseRecord]) -> Summary:
    """check_search.py's summary; None where the set has no positives (or no negatives)."""
    positives = [r for r in records if r.case.vendors]
    negatives = [r for r in records if not r.case.vendors]
    top1 = sum(r.rank == 1 for r in positives)
    top3 = sum(bool(r.rank and r.rank <= 3) for r in positives)
    rr = sum(1 / r.rank for r in positives if r.rank)
    confident = sum(r.rank == 1 and r.confident for r in positives)
    false_conf = sum(r.confident for r in negatives)
    n = max(len(positives), 1)
    latencies = [r.ms for r in records if r.error is None]
    return Summary(
        n=len(records),
        top1=top1 / n if positives else None,
        top3=top3 / n if positives else None,
        mrr=rr / n if positives else None,
        confident_when_right=confident / max(top1, 1) if positives else None,
        false_confident=false_conf / max(len(negatives), 1) if negatives else None,
        p50_ms=percentile(latencies, 0.5),
        p95_ms=percentile(latencies, 0.95),
        errors=sum(r.error is not None for r in records),
    )


def misses(set_name: str, records: list[CaseRecord]) -> list[str]:
    """What check_search.py --verbose says: MISS, UNSURE, FALSE-CONFIDENT, ERROR."""
    lines = []
    for r in records:
        c = r.case
        top = f"{r.top.get('vendor')} | {r.top.get('title')}" if r.top else None
        if r.error:
            lines.append(f"  ERROR {set_name} {c.id}: {r.error}")
        elif not c.vendors and r.confident:
            lines.append(f"  FALSE-CONFIDENT {set_name} {c.id}: {c.query[:60]!r} -> {top}")
        elif c.vendors and r.rank != 1:
            lines.append(
                f"  MISS {set_name} {c.id} ({c.kind}): {c.query[:70]!r} -> {top} (right answer at rank {r.rank})"
            )
        elif c.vendors and not r.confident:
            lines.append(f"  UNSURE {set_name} {c.id} ({c.kind}): {c.query[:70]!r} right answer first, not confident")
    return lines


# --- multi-error pastes ----------------------------------------------------------------------


@dataclass
class MultiSummary:
    n: int
    expected: int
    found: int
    confident_groups: int
    wrong_groups: int
    latencies: list[float]
    queries: list[int]
    errors: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / max(self.expected, 1)

    @property
    def precision(self) -> float:
        return 1 - self.wrong_groups / max(self.confident_groups, 1)


def run_multi(cases: list[MultiCase], *, passes: int = 3) -> MultiSummary:
    """check_multi.py's scoring of the `errors` groups; latency over `passes` timed passes
    after one that counts queries."""
    summary = MultiSummary(len(cases), 0, 0, 0, 0, [], [])
    for case in cases:
        first = timed(portal, case.query, case.vendor_hint, count_queries=True)
        if first.error:
            summary.errors += 1
            summary.notes.append(f"  ERROR {case.id}: {first.error}")
            continue
        summary.queries.append(first.queries or 0)
        runs = [timed(portal, case.query, case.vendor_hint) for _ in range(passes)]
        summary.latencies += [run.ms for run in runs]
        body = runs[-1].body or {}
        groups = [g for g in body.get("errors") or [] if g.get("confident") and g.get("results")]
        summary.confident_groups += len(groups)
        summary.expected += len(case.expect)
        for exp in case.expect:
            if any(hit(exp["vendors"], exp["key"], g["results"][0]) for g in groups):
                summary.found += 1
            else:
                summary.notes.append(f"  MISSED {case.id}: {exp['key']!r} ({'/'.join(exp['vendors'])})")
        for g in groups:
            if not any(hit(exp["vendors"], exp["key"], g["results"][0]) for exp in case.expect):
                summary.wrong_groups += 1
                top = g["results"][0]
                summary.notes.append(f"  EXTRA {case.id}: {top.get('vendor')} | {top.get('title')}")
    return summary


# --- cost of one paste -------------------------------------------------------------------------


@dataclass
class Cost:
    latencies: list[float]
    peak_mb: float
    queries: int | None
    error: str | None = None

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.5)

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies, 0.95)


def peak_memory_mb(function: Callable[[], object]) -> float:
    """Peak memory traced while `function` runs, over what was allocated before it (MB)."""
    gc.collect()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    return (peak - before) / 2**20


def cost(text: str, *, repeats: int, budget_s: float = 30.0) -> Cost:
    """Latency of `repeats` searches of `text` (fewer when one takes long), the queries of
    one, and the peak memory of one under tracemalloc (timed apart: tracing slows it)."""
    first = timed(portal, text, None, count_queries=True)
    if first.error:
        return Cost([first.ms], float("nan"), None, first.error)
    repeats = max(1, min(repeats, int(budget_s * 1000 / max(first.ms, 1.0))))
    latencies = [timed(portal, text, None).ms for _ in range(repeats)]
    peak = peak_memory_mb(lambda: portal(text, None))
    return Cost(latencies, peak, first.queries)
