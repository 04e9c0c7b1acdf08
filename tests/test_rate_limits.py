"""Rate limits per client address (portal/ratelimit.py), through the real stack: Django's test
client with REMOTE_ADDR, gunicorn with two workers over HTTP, PostgreSQL and a real redis-server."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.urls import reverse

from errors_kb.models import Entry
from portal.client_address import client_ip
from portal.models import RateLimitCounter
from portal.ratelimit import hit
from tests.servers import PROJECT_DIR, database_url, free_port, gunicorn

PASTE = "The grading category does not exist"


def roomy_window(period: int, needed: float = 20) -> None:
    """Wait for a fresh window when the current one ends too soon for the test to finish in it."""
    left = period - time.time() % period
    if left < needed:
        time.sleep(left + 0.05)


@pytest.fixture
def limits_on(settings):
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_SEARCH = "3/h"
    settings.RATE_LIMIT_VOTE = "2/h"
    settings.RATE_LIMIT_LOGIN = "2/h"
    roomy_window(3600)
    return settings


def search_home(client, address: str):
    return client.post(reverse("home"), {"q": PASTE}, REMOTE_ADDR=address)


def search_api(client, address: str):
    return client.get(reverse("api_search"), {"q": PASTE}, REMOTE_ADDR=address)


def assert_refused_with_retry_after(response, period: int = 3600) -> int:
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= period
    assert "no-store" in response["Cache-Control"]
    return retry_after


def test_it_refuses_one_address_over_the_search_limit_and_not_another(client, db, limits_on):
    # The page and the API share one search limit: 3 in the hour.
    assert search_home(client, "192.0.2.10").status_code == 200
    assert search_api(client, "192.0.2.10").status_code == 200
    assert search_home(client, "192.0.2.10").status_code == 200

    page = search_home(client, "192.0.2.10")
    assert_refused_with_retry_after(page)
    assert page["Content-Type"].startswith("text/html")
    assert "Too many requests" in page.content.decode()

    api = search_api(client, "192.0.2.10")
    assert_refused_with_retry_after(api)
    assert api["Content-Type"] == "application/json"
    assert api.json()["retry_after"] == int(api["Retry-After"])

    # Another address (and the same school's browse pages) are not affected.
    assert search_home(client, "192.0.2.11").status_code == 200
    assert search_api(client, "192.0.2.11").status_code == 200
    assert client.get(reverse("home"), REMOTE_ADDR="192.0.2.10").status_code == 200  # the empty form
    assert client.get(reverse("vendor_list"), REMOTE_ADDR="192.0.2.10").status_code == 200


def test_it_limits_votes_and_admin_sign_in(client, db, limits_on):
    entry = Entry.objects.published().first()
    url = reverse("entry_vote", args=[entry.pk])
    for _ in range(2):
        client.cookies.clear()  # a new browser each time: only the address is the same
        assert client.post(url, {"helpful": "yes"}, REMOTE_ADDR="192.0.2.20").status_code == 303
    client.cookies.clear()
    refused = client.post(url, {"helpful": "yes"}, REMOTE_ADDR="192.0.2.20", HTTP_ACCEPT="application/json")
    assert_refused_with_retry_after(refused)
    assert "Too many requests" in refused.json()["error"]
    assert Entry.objects.get(pk=entry.pk).helpful_count == entry.helpful_count + 2

    login = reverse("admin:login")
    for _ in range(2):
        answer = client.post(login, {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="192.0.2.20")
        assert answer.status_code == 200
    assert_refused_with_retry_after(
        client.post(login, {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="192.0.2.20")
    )
    assert client.get(login, REMOTE_ADDR="192.0.2.20").status_code == 200  # the form itself is not counted
    assert client.post(login, {"username": "x", "password": "y"}, REMOTE_ADDR="192.0.2.21").status_code == 200


def test_it_lets_everything_through_when_off(client, db, settings):
    settings.RATE_LIMITS = False
    settings.RATE_LIMIT_SEARCH = "1/h"
    for _ in range(5):
        assert search_home(client, "192.0.2.30").status_code == 200
        assert search_api(client, "192.0.2.30").status_code == 200
    assert not RateLimitCounter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_counts_atomically_from_many_threads(settings):
    settings.RATE_LIMIT_SEARCH = "100000/h"
    roomy_window(3600)

    def hammer(n: int) -> list[int]:
        try:
            return [hit("search", "192.0.2.40")[0] for _ in range(25)]
        finally:
            close_old_connections()
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = [count for batch in pool.map(hammer, range(8)) for count in batch]
    # Each of the 200 increments returned a different count: none was lost.
    assert sorted(counts) == list(range(1, 201))


def test_it_reads_the_client_address_behind_trusted_proxies(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    settings.TRUSTED_PROXIES = ""
    assert client_ip(request) == "10.0.0.5"  # never trusted by default
    settings.TRUSTED_PROXIES = "1"
    assert client_ip(request) == "198.51.100.7"
    settings.TRUSTED_PROXIES = "2"
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXIES = "10.0.0.0/8, 198.51.100.7"
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXIES = "10.0.0.0/8"
    assert client_ip(request) == "198.51.100.7"
    settings.TRUSTED_PROXIES = "192.0.2.1"  # the peer is not a trusted proxy: the header is ignored
    assert client_ip(request) == "10.0.0.5"
    # An IPv6 client counts as its /64.
    assert client_ip(factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("RATE_LIMIT_SEARCH", "lots", "RATE_LIMIT_SEARCH must be a number of requests per second, minute or hour"),
        ("RATE_LIMIT_VOTE", "0/m", "RATE_LIMIT_VOTE must be a number of requests"),
        ("RATE_LIMIT_LOGIN", "10/d", "RATE_LIMIT_LOGIN must be a number of requests"),
        ("RATE_LIMITS", "sometimes", "RATE_LIMITS must be true or false"),
        ("TRUSTED_PROXIES", "the-proxy", "TRUSTED_PROXIES must be a number of proxies"),
        ("REDIS_URL", "http://cache:6379", "REDIS_URL must start with redis://"),
    ],
)
def test_it_refuses_bad_settings(name, value, complaint):
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=PROJECT_DIR,
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def http_search(base: str, source: str) -> tuple[int, dict, str]:
    """One search over its own connection from the loopback address `source` (127.0.0.N)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", "/api/search?q=grading+category")
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def assert_shared_over_http(base: str, limit: int) -> None:
    # Many parallel connections, so both workers serve some; together they allow `limit`.
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for status, _, _ in pool.map(lambda _: http_search(base, "127.0.0.2"), range(limit))]
    assert statuses == [200] * limit
    status, headers, body = http_search(base, "127.0.0.2")
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert "retry_after" in json.loads(body)
    assert http_search(base, "127.0.0.3")[0] == 200  # another client address


def gunicorn_env(**extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url(connection.settings_dict),
        "RATE_LIMITS": "on",
        "RATE_LIMIT_SEARCH": "12/h",
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_it_shares_the_count_between_gunicorn_workers_in_postgresql(tmp_path):
    roomy_window(3600, needed=60)
    with gunicorn(gunicorn_env(), log_path=tmp_path / "gunicorn.log", workers=2) as base:
        assert_shared_over_http(base, 12)
    assert RateLimitCounter.objects.filter(key__contains="127.0.0.2").get().count == 13


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: `make test` installs Debian's redis-server (as root)")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(tmp_path),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start (exit {process.poll()})")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_counts_in_redis_when_redis_url_is_set(client, db, limits_on, redis_url):
    limits_on.REDIS_URL = redis_url
    limits_on.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    for _ in range(3):
        assert search_api(client, "192.0.2.50").status_code == 200
    assert_refused_with_retry_after(search_api(client, "192.0.2.50"))
    assert search_api(client, "192.0.2.51").status_code == 200
    assert not RateLimitCounter.objects.exists()  # nothing counted in PostgreSQL

    import redis

    keys = redis.Redis.from_url(redis_url).keys("*rl:search:*192.0.2.50*")
    assert len(keys) == 1


@pytest.mark.django_db(transaction=True)
def test_it_shares_the_count_between_gunicorn_workers_in_redis(tmp_path, redis_url):
    roomy_window(3600, needed=60)
    with gunicorn(gunicorn_env(REDIS_URL=redis_url), log_path=tmp_path / "gunicorn.log", workers=2) as base:
        assert_shared_over_http(base, 12)
    assert not RateLimitCounter.objects.exists()


def test_it_refuses_an_unknown_limit_name():
    from portal.ratelimit import rate_limit

    with pytest.raises(ValueError, match="unknown rate limit"):
        rate_limit("everything")
