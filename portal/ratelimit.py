"""Rate limits per client address, shared by every worker on every machine.

Each limit ("search", "vote", "login", "triage", "lti11") is `N/s`, `N/m` or `N/h` from the setting
`RATE_LIMIT_<NAME>`: at most N requests per client address in each fixed window of a second,
a minute or an hour. Over it, the request is answered 429 with `Retry-After` (the seconds
left in the window): JSON under /api/ or when JSON is asked for, a short page otherwise.
`RATE_LIMITS=off` switches all of them off.

Counting is one atomic statement per request, so concurrent workers never lose a count:

- in PostgreSQL (the default): `INSERT ... ON CONFLICT (key) DO UPDATE SET count = count + 1
  RETURNING count` on `portal_ratelimitcounter`, one row per limit, client and window;
  expired rows are deleted now and then by the requests themselves;
- in Redis (when `REDIS_URL` is set): Django's RedisCache `add` (SET NX with an expiry)
  then `incr` (INCRBY), both atomic in Redis.

Django's DatabaseCache is not used for counting: its `incr` is a read then a write, so two
workers can both read 5 and both write 6.
"""

from __future__ import annotations

import functools
import logging
import math
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600}
RATE = re.compile(r"\s*(\d+)\s*/\s*([smh])\s*", re.IGNORECASE)
LIMITS = ("search", "vote", "login", "triage", "lti11")
CLEANUP_CHANCE = 0.01  # one request in a hundred deletes the expired counters


def parse_rate(name: str, value: str) -> tuple[int, int]:
    """`120/m` → (120, 60); anything else stops the process, naming the setting."""
    found = RATE.fullmatch(str(value))
    if not found or int(found.group(1)) < 1:
        raise ImproperlyConfigured(
            f"{name} must be a number of requests per second, minute or hour, such as 120/m or 10/s, not {value!r}"
        )
    return int(found.group(1)), PERIODS[found.group(2).lower()]


@functools.lru_cache(maxsize=32)
def _rate(name: str, value: str) -> tuple[int, int]:
    return parse_rate(name, value)


def _count_in_database(key: str, expires: float) -> int:
    from django.db import connection

    from portal.models import RateLimitCounter

    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, datetime.fromtimestamp(expires, tz=UTC)],
        )
        count = cursor.fetchone()[0]
        if random.random() < CLEANUP_CHANCE:
            cursor.execute(f"DELETE FROM {table} WHERE expires_at < now()")
    return count


def _count_in_redis(key: str, timeout: int) -> int:
    from django.core.cache import caches

    cache = caches[settings.RATE_LIMIT_CACHE]
    for _ in range(3):
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start it again
            continue
    return 1


def hit(limit: str, client: str, now: float | None = None) -> tuple[int, int, int]:
    """Count one request of `client` against `limit`: (count so far, allowed, seconds left)."""
    allowed, period = _rate(f"RATE_LIMIT_{limit.upper()}", getattr(settings, f"RATE_LIMIT_{limit.upper()}"))
    now = time.time() if now is None else now
    window = int(now // period)
    ends = (window + 1) * period
    retry_after = max(1, math.ceil(ends - now))
    key = f"rl:{limit}:{period}:{window}:{client}"[:200]
    if settings.REDIS_URL:
        count = _count_in_redis(key, period + 1)
    else:
        count = _count_in_database(key, ends)
    return count, allowed, retry_after


def too_many(request, retry_after: int):
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.cache import patch_cache_control

    text = f"Too many requests from your address. Try again in {retry_after} seconds."
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": text, "retry_after": retry_after}, status=429)
    else:
        response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    patch_cache_control(response, no_store=True)
    return response


def check(request, limit: str):
    """None when the request may go on, else the 429 answer. Counting errors let it go on."""
    if not settings.RATE_LIMITS:
        return None
    from portal.client_address import client_ip

    try:
        count, allowed, retry_after = hit(limit, client_ip(request))
    except ImproperlyConfigured:
        raise
    except Exception as error:  # a counter store that is down must not take the site with it
        log.warning("rate limit %s not counted: %s", limit, error.__class__.__name__)
        return None
    if count > allowed:
        return too_many(request, retry_after)
    return None


def rate_limit(limit: str, when: Callable | None = None):
    """Decorate a view: each request (or each one `when(request)` is true for) counts against `limit`."""
    if limit not in LIMITS:
        raise ValueError(f"unknown rate limit {limit!r}; one of {', '.join(LIMITS)}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if when is None or when(request):
                refused = check(request, limit)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_search(request) -> bool:
    """The home page searches on a POST or a GET with `q`; the empty form is free."""
    return request.method == "POST" or "q" in request.GET


def is_post(request) -> bool:
    return request.method == "POST"


# Issue 12's triage view takes this line: `@triage_limit`.
triage_limit = rate_limit("triage")
