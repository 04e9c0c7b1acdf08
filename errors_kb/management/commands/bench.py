"""`make bench`: the paste search's accuracy, latency, database queries and worst-case
cost against baselines, at several dictionary sizes (errors_kb/bench/ does the work).

    make bench                                    # fixtures, then 10,000 and 100,000 synthetic entries
    make bench BENCH_ARGS="--sizes 0"             # the dictionary alone: a quick run
    make bench BENCH_ARGS="--sets dev,dev2,multi --methods portal --show-misses"
    make bench BENCH_ARGS="--sizes 100000 --sets admin_save"   # a curator's save vs the full recount
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from errors_kb.bench.measure import METHODS
from errors_kb.bench.run import ALL_SETS, EVAL_DIR, OWN_DIR, Bench, Options


def _names(value: str, allowed, what: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise CommandError(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return names


class Command(BaseCommand):
    help = "Benchmark paste search accuracy, latency, queries and worst-case cost against baselines."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="0,10000,100000", help="synthetic entries added to the fixtures")
        parser.add_argument("--sets", default=",".join(ALL_SETS), help=f"any of {','.join(ALL_SETS)}")
        parser.add_argument("--methods", default=",".join(METHODS), help="portal and baselines")
        parser.add_argument("--repeats", type=int, default=10, help="searches of each crafted paste")
        parser.add_argument("--eval-dir", default=str(EVAL_DIR), help="the shared case files")
        parser.add_argument("--own-dir", default=str(OWN_DIR), help="the project's cases/ and pastes/")
        parser.add_argument(
            "--show-misses", action="store_true", help="list misses, unsure and false-confident answers"
        )

    def handle(self, sizes, sets, methods, repeats, eval_dir, own_dir, show_misses, **options):
        try:
            size_list = [int(s) for s in sizes.split(",") if s.strip()]
        except ValueError:
            raise CommandError(f"--sizes takes numbers separated by commas, not {sizes!r}") from None
        if repeats < 1:
            raise CommandError("--repeats must be at least 1")
        chosen = Options(
            sizes=size_list,
            sets=_names(sets, ALL_SETS, "sets"),
            methods=_names(methods, list(METHODS), "methods"),
            repeats=repeats,
            show_misses=show_misses,
            eval_dir=Path(eval_dir),
            own_dir=Path(own_dir),
        )
        Bench(chosen, self.stdout.write).run()
