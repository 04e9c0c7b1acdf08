"""`make loadtest`: realistic traffic against the portal served as `make run` serves it.

    python -m portal.loadtest [--duration 60] [--concurrency 8 32] [--quick] [--url http://127.0.0.1:PORT]

Without --url it starts gunicorn (portal/gunicorn.conf.py, WORKERS workers) on a free
loopback port with RATE_LIMITS=off, against the database the environment names (the local
cluster, or DATABASE_URL). Targets on any other address than loopback are refused: this
is not a tool to point at someone else's server.

Each phase runs `concurrency` clients for `duration` seconds (and at most --max-requests
requests), split evenly between three kinds side by side, each client one keep-alive
connection (http.client):

- search: the paste box (GET / for the CSRF token, then POST / with a paste from
  tests/data/pastes/*.jsonl, the hand-written realistic pastes);
- browse: /vendors/, a vendor's page, entry pages, /entries/?http_status=...;
- healthz: /healthz.

It prints requests, req/s, errors and p50/p95/p99 latency per kind, and the search's
throughput per client over /healthz's; then search alone and /healthz alone at the same
concurrency, and search alone with every paste's numbers changed (new values: no worker has
answered that paste before, so none answers from memory; printed, no target). Then a rate-limit phase (gunicorn with RATE_LIMITS=on
and a small RATE_LIMIT_SEARCH): one client searching as fast as it can must get 429s while
clients at other loopback addresses (127.0.0.2...) searching slowly get none. The exit
status is 1 when a phase had an error (or, without --quick, search/healthz < 0.35).
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PASTES_DIR = PROJECT_DIR / "tests" / "data" / "pastes"
KINDS = ("search", "browse", "healthz")
HTTP_STATUSES = (400, 401, 403, 404, 409, 422, 500)  # statuses the dictionary holds
TARGET_RATIO = 0.35
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def load_pastes(directory: Path = PASTES_DIR) -> list[dict]:
    pastes = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                pastes.append(json.loads(line))
    return pastes


def browse_paths(pastes: list[dict]) -> list[str]:
    vendors = sorted({p["vendor"] for p in pastes if p.get("vendor") and p.get("slug")})
    entries = sorted({f"/vendors/{p['vendor']}/{p['slug']}/" for p in pastes if p.get("vendor") and p.get("slug")})
    return [
        "/vendors/",
        *(f"/vendors/{v}/" for v in vendors),
        *entries,
        *(f"/entries/?http_status={s}" for s in HTTP_STATUSES),
    ]


def require_loopback(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"loadtest: only http://127.0.0.1:PORT-style targets, not {url!r}")
    port = parts.port or 80
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except socket.gaierror as error:
        raise SystemExit(f"loadtest: cannot resolve {parts.hostname}: {error}") from None
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"loadtest: refusing {parts.hostname} ({', '.join(sorted(addresses))}): loopback targets only")
    return parts.hostname, port


DIGITS = re.compile(r"[0-9]+")


def new_values(text: str, rng: random.Random) -> str:
    """The paste as another student's or section's would read: every number replaced by another of
    its length (a paste without one gets a reference number), so no worker has answered it."""
    changed = DIGITS.sub(lambda m: "".join(rng.choice("0123456789") for _ in m.group()), text)
    return changed if changed != text else f"{text} (ref {rng.randrange(10**7, 10**8)})"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    clients: int = 0
    first_error: str = ""

    def add(self, seconds: float, status: int, ok: bool, detail: str = "") -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if not ok:
            self.errors += 1
            self.first_error = self.first_error or detail or f"HTTP {status}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Client:
    """One keep-alive connection from one source address; reconnects when the server closes."""

    def __init__(self, host: str, port: int, source: str | None = None) -> None:
        self.host, self.port, self.source = host, port, source
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.host, self.port, timeout=30, source_address=(self.source, 0) if self.source else None
            )
        return self.conn

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: one retry on a new one.
                self.close()
                if attempt == 2:
                    raise
                continue
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.will_close:
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Worker(threading.Thread):
    def __init__(self, kind: str, client: Client, stats: Stats, plan: Plan, seed: int, pause: float = 0.0):
        super().__init__(daemon=True)
        self.kind, self.client, self.stats, self.plan, self.pause = kind, client, stats, plan, pause
        self.random = random.Random(seed)
        self.token = ""

    def _csrf(self) -> None:
        status, body = self.client.request("GET", "/")
        found = CSRF.search(body)
        if status != 200 or not found:
            raise RuntimeError(f"GET / answered {status} without a CSRF token")
        self.token = found.group(1).decode()

    def one(self) -> tuple[int, bool, str]:
        if self.kind == "healthz":
            status, _ = self.client.request("GET", "/healthz")
            return status, status == 200, ""
        if self.kind == "browse":
            path = self.random.choice(self.plan.browse)
            status, _ = self.client.request("GET", path)
            return status, status == 200, f"GET {path}: {status}"
        if not self.token:
            self._csrf()
        paste = self.random.choice(self.plan.pastes)
        text = paste["paste"]
        if self.plan.fresh_values:
            text = new_values(text, self.random)
        body = urllib.parse.urlencode(
            {"q": text, "vendor": paste.get("vendor_picked", ""), "csrfmiddlewaretoken": self.token}
        ).encode()
        status, _ = self.client.request(
            "POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.plan.base + "/"}
        )
        expected = (200, 429) if self.plan.allow_429 else (200,)
        return status, status in expected, f"POST / ({paste.get('vendor')}/{paste.get('slug')}): {status}"

    def run(self) -> None:
        while time.monotonic() < self.plan.deadline and self.plan.take():
            started = time.perf_counter()
            try:
                status, ok, detail = self.one()
            except Exception as error:  # counted, never fatal: the phase reports it
                status, ok, detail = 0, False, f"{type(error).__name__}: {error}"
                self.client.close()
            self.stats.add(time.perf_counter() - started, status, ok, detail)
            if self.pause:
                time.sleep(self.pause)
        self.client.close()


@dataclass
class Plan:
    base: str
    pastes: list[dict]
    browse: list[str]
    deadline: float
    budget: int
    allow_429: bool = False
    fresh_values: bool = False  # every paste with values no worker has seen: no remembered answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.budget <= 0:
                return False
            self.budget -= 1
            return True


def run_phase(
    base: str,
    concurrency: int,
    duration: float,
    *,
    max_requests: int = 500_000,
    kinds: tuple[str, ...] = KINDS,
    fresh_values: bool = False,
) -> dict[str, Stats]:
    """`concurrency` clients split evenly between the kinds, for `duration` seconds."""
    host, port = require_loopback(base)
    pastes = load_pastes()
    plan = Plan(base, pastes, browse_paths(pastes), 0.0, max_requests, fresh_values=fresh_values)
    stats = {kind: Stats() for kind in KINDS}
    workers = []
    for n in range(concurrency):
        kind = kinds[n % len(kinds)]
        stats[kind].clients += 1
        workers.append(Worker(kind, Client(host, port), stats[kind], plan, seed=n))
    plan.deadline = time.monotonic() + duration
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration + 60)
    elapsed = time.monotonic() - started
    for s in stats.values():
        s.elapsed = elapsed  # type: ignore[attr-defined]
    return stats


def ratio(stats: dict[str, Stats]) -> float:
    """Search requests per client per second over /healthz's (the kinds may have unequal clients)."""

    def per_client(s: Stats) -> float:
        return len(s.latencies) / max(s.clients, 1)

    health = per_client(stats["healthz"])
    return per_client(stats["search"]) / health if health else 0.0


def report(title: str, stats: dict[str, Stats], out=None) -> None:
    out = out or sys.stdout
    print(f"\n{title}", file=out)
    print(
        f"{'kind':8} {'clients':>7} {'requests':>9} {'req/s':>8} {'errors':>6} {'p50_ms':>7} {'p95_ms':>7} {'p99_ms':>7}",
        file=out,
    )
    for kind, s in stats.items():
        elapsed = getattr(s, "elapsed", 1.0) or 1.0
        print(
            f"{kind:8} {s.clients:>7} {len(s.latencies):>9} {len(s.latencies) / elapsed:>8.1f} {s.errors:>6} "
            f"{percentile(s.latencies, 50) * 1000:>7.1f} {percentile(s.latencies, 95) * 1000:>7.1f} "
            f"{percentile(s.latencies, 99) * 1000:>7.1f}",
            file=out,
        )
        if s.first_error:
            print(f"  first error: {s.first_error}", file=out)
    if "search" in stats and "healthz" in stats and stats["search"].clients and stats["healthz"].clients:
        print(f"search/healthz throughput per client: {ratio(stats):.2f} (target >= {TARGET_RATIO})", file=out)


def alone_ratio(base: str, concurrency: int, duration: float, max_requests: int, out=None) -> tuple[float, bool]:
    """Search alone, then /healthz alone, at the same concurrency: the ratio of their req/s.
    Side by side, /healthz waits in the workers' queue behind searches, which flatters the
    per-client ratio; alone, each kind has the whole server. Then search alone with new values
    in every paste, reported beside it (no target)."""
    out = out or sys.stdout
    rates, errors = {}, False
    for kind in ("search", "healthz"):
        stats = run_phase(base, concurrency, duration, max_requests=max_requests, kinds=(kind,))
        report(f"c{concurrency}, {kind} alone, {duration:g} s", {kind: stats[kind]}, out)
        rates[kind] = len(stats[kind].latencies) / (getattr(stats[kind], "elapsed", 1.0) or 1.0)
        errors |= bool(stats[kind].errors)
    value = rates["search"] / rates["healthz"] if rates["healthz"] else 0.0
    print(f"search/healthz throughput, each alone: {value:.2f} (target >= {TARGET_RATIO})", file=out)
    # The same pastes with other values: what a worker cannot answer from memory (no target).
    fresh = run_phase(base, concurrency, duration, max_requests=max_requests, kinds=("search",), fresh_values=True)
    report(
        f"c{concurrency}, search alone, every paste with new values, {duration:g} s", {"search": fresh["search"]}, out
    )
    fresh_rate = len(fresh["search"].latencies) / (getattr(fresh["search"], "elapsed", 1.0) or 1.0)
    if rates["healthz"]:
        print(f"search with new values/healthz throughput, each alone: {fresh_rate / rates['healthz']:.2f}", file=out)
    errors |= bool(fresh["search"].errors)
    return value, errors


def rate_limit_phase(base: str, duration: float, limit: int) -> tuple[str, bool]:
    """One client over the search limit gets 429; three others at their own addresses do not."""
    host, port = require_loopback(base)
    pastes = load_pastes()
    plan = Plan(base, pastes, browse_paths(pastes), time.monotonic() + duration, 100_000, allow_429=True)
    greedy, polite = Stats(clients=1), Stats(clients=3)
    pause = max(duration / max(limit // 3, 1), 0.2)  # the polite clients stay well under the limit
    workers = [Worker("search", Client(host, port, "127.0.0.1"), greedy, plan, seed=1)]
    workers += [
        Worker("search", Client(host, port, f"127.0.0.{n}"), polite, plan, seed=n, pause=pause) for n in (2, 3, 4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration + 60)
    limited = greedy.statuses.get(429, 0)
    others_limited = polite.statuses.get(429, 0)
    line = (
        f"greedy client: {len(greedy.latencies)} searches, {limited} answered 429; "
        f"3 other clients: {len(polite.latencies)} searches, {others_limited} answered 429, {polite.errors} errors"
    )
    if not limited:
        return f"rate limits not available (no 429 for the greedy client). {line}", True
    ok = others_limited == 0 and polite.errors == 0 and greedy.errors == 0
    return line, ok


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(workers: int, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """gunicorn as `make run` starts it, on a free loopback port."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "portal/gunicorn.conf.py", "portal.wsgi"],
            cwd=PROJECT_DIR,
            env={**os.environ, "PORT": str(port), "WORKERS": str(workers), **env},
            stdout=subprocess.DEVNULL,  # the access log: one line per request
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        pass
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"loadtest: gunicorn did not start; see {log_path}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an already running portal on loopback (default: start gunicorn)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (default 60)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32], help="clients per phase (default 8 32)")
    parser.add_argument("--max-requests", type=int, default=500_000, help="at most this many requests per phase")
    parser.add_argument("--workers", type=int, default=int(os.getenv("WORKERS", "3")), help="gunicorn workers")
    parser.add_argument("--quick", action="store_true", help="CI-sized: 5 s phases at 3 and 9 clients, no ratio target")
    parser.add_argument("--rate-limit-seconds", type=float, default=10.0, help="the rate-limit phase's length")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.concurrency, args.rate_limit_seconds = min(args.duration, 5.0), [3, 9], 5.0
    if args.url:
        require_loopback(args.url)
    if args.duration <= 0 or args.duration > 3600 or any(c < 1 or c > 256 for c in args.concurrency):
        parser.error("--duration must be in (0, 3600] and --concurrency in 1..256")

    log_path = PROJECT_DIR / "var" / "loadtest-gunicorn.log"
    failed = False
    with serve(args.workers, {"RATE_LIMITS": "off"}, log_path) if not args.url else _given(args.url) as base:
        print(f"loadtest: {base}, {args.workers} gunicorn workers, {os.cpu_count()} CPUs, {len(load_pastes())} pastes")
        for concurrency in args.concurrency:
            stats = run_phase(base, concurrency, args.duration, max_requests=args.max_requests)
            report(f"c{concurrency}, {args.duration:g} s", stats)
            failed |= any(s.errors for s in stats.values())
            if not args.quick and ratio(stats) < TARGET_RATIO:
                print(f"  below target: search/healthz {ratio(stats):.2f} < {TARGET_RATIO}")
                failed = True
            if not args.quick:
                alone, errors = alone_ratio(base, concurrency, max(args.duration / 3, 5.0), args.max_requests)
                failed |= errors or alone < TARGET_RATIO
    limit = 20
    if args.url:
        print("\nrate limits: skipped (--url: the server's own settings apply)")
    else:
        with serve(args.workers, {"RATE_LIMITS": "on", "RATE_LIMIT_SEARCH": f"{limit}/m"}, log_path) as base:
            line, ok = rate_limit_phase(base, args.rate_limit_seconds, limit)
            print(f"\nrate limits (RATE_LIMIT_SEARCH={limit}/m, {args.rate_limit_seconds:g} s): {line}")
            failed |= not ok
    print("\nloadtest:", "FAILED" if failed else "ok")
    return 1 if failed else 0


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


if __name__ == "__main__":
    sys.exit(main())
