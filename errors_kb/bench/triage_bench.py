"""Triage benchmark (issue 12), the `triage` set of `make bench`: generated reports
(errors_kb/bench/reports.py) through triage, against a naive baseline measured in the same run.

- Speed and memory: a 50,000-line (about 5 MB) and a 1,000-line text report, each answered
  in a worker process of its own (errors_kb/bench/triage_worker.py): decode, limits, parse,
  triage and the JSON answer, timed; peak memory is the worker's own high-water mark (VmHWM), Django included.
- Accuracy against the generator's truth, at this dictionary size: the share of known lines
  assigned to the right entry (a message several SIS share word for word counts for each of
  them) and the share of other systems' lines left unassigned; for the 50,000-line text
  report and 10,000-line CSV and JSON-lines reports.
- Baseline: the page search run on each line (search() per line, as pasting the report line
  by line would), on the 50,000-line report's first 1,000 lines, its time extrapolated to
  50,000 lines; its accuracy on the same lines (a confident first result is its assignment).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from errors_kb.bench.reports import Report, generate
from errors_kb.search import search
from errors_kb.triage import triage
from errors_kb.triage_input import parse

BIG_LINES, SMALL_LINES = 50_000, 1_000
BIG_MS, SMALL_MS, PEAK_MB = 5000.0, 300.0, 300.0
KNOWN_ACCURACY, UNKNOWN_LEFT = 0.99, 0.95
BASELINE_SAMPLE = 1_000
REPEATS = 3


@dataclass
class Accuracy:
    name: str
    lines: int
    known_right: float
    unknown_left: float
    ms: float


@dataclass
class WorkerRun:
    lines: int
    megabytes: float
    ms: list[float]
    rss_before_mb: float
    peak_rss_mb: float

    @property
    def warm_ms(self) -> float:
        warm = sorted(self.ms[1:] or self.ms)
        return warm[len(warm) // 2]


def score(report: Report, assigned: dict[int, int | None]) -> tuple[float, float]:
    known = [n for n, e in report.truth.items() if e is not None]
    unknown = [n for n, e in report.truth.items() if e is None]
    right = sum(report.accepts(report.truth[n], assigned.get(n)) for n in known) / max(1, len(known))
    left = sum(assigned.get(n) is None for n in unknown) / max(1, len(unknown))
    return right, left


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    host = s["HOST"] or "localhost"
    return f"postgresql://{s['USER']}{password}@/{s['NAME']}?host={host}&port={s['PORT'] or 5432}"


def in_worker(path: Path, lines: int, repeats: int = REPEATS) -> WorkerRun:
    done = subprocess.run(
        [sys.executable, "-m", "errors_kb.bench.triage_worker", str(path), "--repeats", str(repeats)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url(), "RATE_LIMITS": "off"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the triage worker failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return WorkerRun(lines, path.stat().st_size / 1_048_576, found["ms"], found["rss_before_mb"], found["peak_rss_mb"])


def accuracy(name: str, report: Report) -> Accuracy:
    started = time.perf_counter()
    result = triage(parse(report.text, max_lines=settings.TRIAGE_MAX_LINES).records)
    ms = (time.perf_counter() - started) * 1000
    right, left = score(report, result.assignments())
    return Accuracy(name, len(report.truth), right, left, ms)


def baseline(report: Report, sample: int = BASELINE_SAMPLE) -> tuple[float, float, float]:
    """search() on each of the report's first `sample` lines: (ms per line, known right, unknown left)."""
    records = parse(report.text, max_lines=settings.TRIAGE_MAX_LINES).records[:sample]
    assigned: dict[int, int | None] = {}
    started = time.perf_counter()
    for record in records:
        result = search(record.text, max_chars=settings.SEARCH_MAX_CHARS, limit=3)
        ranking = result.ranking
        assigned[record.number] = ranking.results[0].candidate.id if ranking.confident and ranking.results else None
    per_line = (time.perf_counter() - started) * 1000 / max(1, len(records))
    sampled = Report(report.text, report.format, {n: report.truth[n] for n in assigned}, report.twins)
    right, left = score(sampled, assigned)
    return per_line, right, left


def run_triage_bench(total_entries: int, write: Callable[[str], None]) -> list[tuple[str, float, str, float]]:
    """Measures and prints; returns the targets as (label, value, op, bound)."""
    big = generate(BIG_LINES, fmt="text", seed=12)
    small = generate(SMALL_LINES, fmt="text", seed=13)
    with tempfile.TemporaryDirectory() as folder:
        big_path, small_path = Path(folder) / "big.log", Path(folder) / "small.log"
        big_path.write_text(big.text)
        small_path.write_text(small.text)
        runs = [in_worker(big_path, BIG_LINES), in_worker(small_path, SMALL_LINES, repeats=10)]
    write(
        f"\ntriage (issue 12): generated reports, {total_entries} entries in the dictionary; "
        "each size answered in a worker process of its own (decode, parse, triage, JSON), "
        f"{REPEATS} runs for 50k and 10 for 1k; peak = the worker's VmHWM, Django included"
    )
    write(f"{'entries':>8} {'lines':>7} {'MB':>6} {'cold_ms':>8} {'warm_ms':>8} {'rss_before':>10} {'peak_mb':>8}")
    for r in runs:
        write(
            f"{total_entries:>8} {r.lines:>7} {r.megabytes:>6.2f} {r.ms[0]:>8.0f} {r.warm_ms:>8.0f} "
            f"{r.rss_before_mb:>10.0f} {r.peak_rss_mb:>8.0f}"
        )
    sets = [
        accuracy("50k text", big),
        accuracy("10k csv", generate(10_000, fmt="csv", seed=14)),
        accuracy("10k jsonl", generate(10_000, fmt="jsonl", seed=15)),
    ]
    per_line, base_right, base_left = baseline(big)
    write("\ntriage accuracy against the generator's truth (85% known lines, 10% of them hand-written pastes)")
    write(
        f"{'entries':>8} {'report':<12} {'method':<26} {'lines':>7} {'known_right':>11} {'unknown_left':>12} {'ms':>9}"
    )
    for a in sets:
        write(
            f"{total_entries:>8} {a.name:<12} {'triage':<26} {a.lines:>7} {a.known_right:>11.4f} "
            f"{a.unknown_left:>12.4f} {a.ms:>9.0f}"
        )
    write(
        f"{total_entries:>8} {'50k text':<12} {'baseline: search() a line':<26} {BASELINE_SAMPLE:>7} "
        f"{base_right:>11.4f} {base_left:>12.4f} {per_line * BIG_LINES:>9.0f}  "
        f"(measured on {BASELINE_SAMPLE} lines: {per_line:.1f} ms a line, x{BIG_LINES} lines)"
    )
    big_run, small_run = runs
    return [
        ("triage 50k lines, warm ms", big_run.warm_ms, "<=", BIG_MS),
        ("triage 50k lines, cold ms (first request of a worker)", big_run.ms[0], "<=", BIG_MS),
        ("triage 50k lines, worker peak MB", big_run.peak_rss_mb, "<=", PEAK_MB),
        ("triage 1k lines, warm ms", small_run.warm_ms, "<=", SMALL_MS),
        ("triage 50k known lines to the right entry", sets[0].known_right, ">=", KNOWN_ACCURACY),
        ("triage 50k other lines left unassigned", sets[0].unknown_left, ">=", UNKNOWN_LEFT),
        ("triage 10k csv known lines right", sets[1].known_right, ">=", KNOWN_ACCURACY),
        ("triage 10k jsonl known lines right", sets[2].known_right, ">=", KNOWN_ACCURACY),
    ]
