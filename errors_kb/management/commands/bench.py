"""`make bench`: accuracy and server-side latency of the paste search against baselines,
on the fixtures alone and on synthetic dictionaries of 10,000 and 100,000 entries.

It works in its own database (`<name>_bench`), never in the portal's.
"""

from __future__ import annotations

import re
import statistics
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, connections

from errors_kb import benchmark
from errors_kb.benchmark import Case
from errors_kb.search import search

DEV_CASES = settings.BASE_DIR.parent / "shared" / "eval" / "paste_dev.jsonl"


def _norm_text(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2018", "'").replace("\u2019", "'").lower()
    return re.sub(r"\s+", " ", text).strip()


def _norm_vendor(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def _hit(case: Case, vendor_slug: str, vendor_name: str, title: str, message: str) -> bool:
    """The scorer of ../shared/eval/check_search.py: right vendor and the key in the message."""
    names = {_norm_vendor(vendor_slug), _norm_vendor(vendor_name)}
    vendor_ok = any(
        got and (expected in got or (expected == "qsis" and got == "q"))
        for expected in map(_norm_vendor, case.vendors)
        for got in names
    )
    key = _norm_text(case.key)
    return vendor_ok and (key in _norm_text(message) or key in _norm_text(title))


def _ours(case: Case) -> tuple[list[tuple], bool]:
    outcome = search(case.query, case.vendor_hint, max_chars=settings.SEARCH_MAX_CHARS)
    rows = [
        (r.candidate.vendor_slug, r.candidate.vendor_name, r.candidate.title, r.candidate.message)
        for r in outcome.ranking.results
    ]
    return rows, outcome.ranking.confident


def _baseline(function: Callable[[str], list[tuple]]) -> Callable[[Case], tuple[list[tuple], bool]]:
    def run(case: Case) -> tuple[list[tuple], bool]:
        rows = function(case.query)
        return rows, bool(rows)  # a baseline that answers anything "claims" an answer

    return run


METHODS = {
    "portal": _ours,
    "icontains": _baseline(benchmark.baseline_icontains),
    "websearch": _baseline(benchmark.baseline_websearch),
    "trigram": _baseline(benchmark.baseline_trigram),
}


def _latencies(method: Callable, cases: list[Case]) -> list[float]:
    latencies = []
    for case in cases:
        started = time.perf_counter()
        method(case)
        latencies.append((time.perf_counter() - started) * 1000)
    return sorted(latencies)


def _p95(latencies: list[float]) -> float:
    return latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]


def evaluate(method: Callable, cases: list[Case]) -> dict[str, float]:
    """Accuracy, cold latency (first pass) and warm latency (second pass, as a running server)."""
    cold = _latencies(method, cases)
    positives = [c for c in cases if c.vendors]
    negatives = [c for c in cases if not c.vendors]
    top1 = top3 = reciprocal = false_confident = 0.0
    latencies = []
    for case in cases:
        started = time.perf_counter()
        rows, confident = method(case)
        latencies.append((time.perf_counter() - started) * 1000)
        if not case.vendors:
            false_confident += confident
            continue
        rank = next((i + 1 for i, row in enumerate(rows) if _hit(case, *row)), None)
        top1 += rank == 1
        top3 += bool(rank and rank <= 3)
        reciprocal += 1 / rank if rank else 0
    latencies.sort()
    n = max(1, len(positives))
    return {
        "top1": top1 / n,
        "top3": top3 / n,
        "mrr": reciprocal / n,
        "false_conf": false_confident / max(1, len(negatives)),
        "p50_ms": statistics.median(latencies),
        "p95_ms": _p95(latencies),
        "cold_p95_ms": _p95(cold),
    }


class Command(BaseCommand):
    help = "Benchmark paste search accuracy and latency against baselines at several dictionary sizes."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="0,10000,100000", help="synthetic entries added to the fixtures")
        parser.add_argument("--cases", default=str(DEV_CASES), help="JSONL cases in the ../shared/eval format")
        parser.add_argument("--methods", default=",".join(METHODS))
        parser.add_argument("--show-misses", action="store_true")

    def handle(self, sizes: str, cases: str, methods: str, show_misses: bool, **options):
        self._use_bench_database()
        call_command("migrate", verbosity=0)
        call_command("load_dictionary", "--force", verbosity=0)
        with connection.cursor() as cursor:
            for statement in benchmark.BASELINE_INDEXES:
                cursor.execute(statement)
        dev_cases = benchmark.load_cases(Path(cases)) if Path(cases).exists() else []
        per_entry = benchmark.entry_cases()
        chosen = [m.strip() for m in methods.split(",") if m.strip()]
        self.stdout.write(
            f"cases: {len(dev_cases)} from {cases}; {len(per_entry)} per-entry (filled templates + unrelated text)"
        )
        header = f"{'entries':>8} {'method':<10} {'set':<9} {'top1':>6} {'top3':>6} {'mrr':>6} {'falseconf':>9} {'p50_ms':>8} {'p95_ms':>8} {'cold_p95':>8}"
        self.stdout.write(header)
        for size in (int(s) for s in sizes.split(",")):
            benchmark.grow_to(size)
            from errors_kb.models import Entry, SearchToken

            SearchToken.objects.refresh()
            with connection.cursor() as cursor:
                # what autovacuum does shortly after a bulk load: visibility map and statistics
                cursor.execute(f"VACUUM ANALYZE {Entry._meta.db_table}")
            total = Entry.objects.count()
            for name in chosen:
                for label, case_set in (("dev", dev_cases), ("entries", per_entry)):
                    if not case_set:
                        continue
                    m = evaluate(METHODS[name], case_set)
                    self.stdout.write(
                        f"{total:>8} {name:<10} {label:<9} {m['top1']:>6.3f} {m['top3']:>6.3f} {m['mrr']:>6.3f} "
                        f"{m['false_conf']:>9.3f} {m['p50_ms']:>8.1f} {m['p95_ms']:>8.1f} {m['cold_p95_ms']:>8.1f}"
                    )
            if show_misses:
                self._misses(dev_cases + per_entry)

    def _misses(self, cases: list[Case]) -> None:
        for case in cases:
            rows, confident = _ours(case)
            if case.vendors and not (rows and _hit(case, *rows[0])):
                top = rows[0][2] if rows else None
                self.stdout.write(f"  MISS {case.id}: {case.query[:70]!r} -> {top}")
            if not case.vendors and confident:
                self.stdout.write(f"  FALSE-CONFIDENT {case.id}: {case.query[:70]!r} -> {rows[0][2]}")

    def _use_bench_database(self) -> None:
        default = connections["default"]
        name = default.settings_dict["NAME"]
        bench_name = f"{name}_bench" if not name.endswith("_bench") else name
        with default.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{bench_name}"')
        default.close()
        default.settings_dict["NAME"] = bench_name
        self.stdout.write(f"benchmark database: {bench_name} (the portal's own database is not touched)")
