"""One triage measurement in a process of its own, as a worker would answer POST /api/triage:

    python -m errors_kb.bench.triage_worker FILE [--repeats N]

Django set up, the report's bytes read, then N times: decode, limits, parse, triage and the
JSON answer, each timed. Prints JSON: the wall times (the first is cold: templates compiled,
connection opened), and the process's peak resident memory before the first triage and at the
end, so the peak is the whole worker's, Django included. The peak is VmHWM of /proc/self/status
(this process's own high-water mark): ru_maxrss would also count the parent's memory at the
fork that started it (Linux keeps the larger of the two across exec).
The database is the one DATABASE_URL names (the benchmark's).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings

    from errors_kb.models import Vendor
    from errors_kb.triage import triage
    from errors_kb.triage_input import decode, parse

    raw = Path(args.file).read_bytes()
    list(Vendor.objects.all()[:1])  # the connection open, as in a running worker
    before_mb = peak_mb()
    times = []
    answer = None
    for _ in range(args.repeats):
        answer = None
        started = time.perf_counter()
        text = decode(raw, settings.TRIAGE_MAX_BYTES)
        report = parse(text, max_lines=settings.TRIAGE_MAX_LINES)
        result = triage(report.records)
        answer = json.dumps(result.to_dict())
        times.append((time.perf_counter() - started) * 1000)
        del text, report, result
    print(json.dumps({"ms": times, "rss_before_mb": before_mb, "peak_rss_mb": peak_mb(), "answer_bytes": len(answer)}))


if __name__ == "__main__":
    main()
