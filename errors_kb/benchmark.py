"""Kept for the imports that name it: the benchmark lives in errors_kb/bench/."""

from errors_kb.bench.baselines import INDEXES as BASELINE_INDEXES
from errors_kb.bench.cases import NEGATIVES, Case, entry_cases, load_cases
from errors_kb.bench.synthetic import SYNTHETIC_VENDOR_PREFIX, grow_to, synthetic_entries, synthetic_message

__all__ = [
    "BASELINE_INDEXES",
    "NEGATIVES",
    "SYNTHETIC_VENDOR_PREFIX",
    "Case",
    "entry_cases",
    "grow_to",
    "load_cases",
    "synthetic_entries",
    "synthetic_message",
]
