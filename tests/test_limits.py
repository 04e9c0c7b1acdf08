"""Oversized and malformed requests, over real HTTP to gunicorn as `make run` serves it:
each is refused quickly with a 4xx and at most one log line, never a traceback."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import override_settings

from tests.servers import database_url, get, gunicorn

MB = 1024 * 1024


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    return parts.hostname, parts.port


def raw_request(base: str, head: bytes, body: bytes = b"", timeout: float = 5) -> tuple[int, bytes]:
    """Send `head` (and `body`), then read the whole answer: (status, answer body)."""
    with socket.create_connection(_address(base), timeout=timeout) as sock:
        sock.sendall(head + body)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    head, _, body = answer.partition(b"\r\n\r\n")
    return status, dechunk(body) if b"transfer-encoding: chunked" in head.lower() else body


def dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if length == 0:
            break
        out += rest[:length]
        body = rest[length + 2 :]
    return out


def send_huge_request_line(base: str, size: int, outcome: dict) -> None:
    """Stream a `size`-byte request line; note how long the server took to give up on it."""
    started = time.monotonic()
    chunk = b"a" * 65536
    try:
        with socket.create_connection(_address(base), timeout=10) as sock:
            sock.sendall(b"GET /?q=")
            sent = 0
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
            sock.sendall(b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            outcome["answer"] = sock.recv(200)
    except OSError as error:  # the server answered and closed the connection mid-line
        outcome["error"] = type(error).__name__
    outcome["seconds"] = time.monotonic() - started


class Log:
    """The server's log from the moment it answered its first request (start-up lines left out)."""

    def __init__(self, path):
        self.path = path
        self.start = path.stat().st_size

    def text(self) -> str:
        time.sleep(0.3)  # the worker writes its lines just after answering
        return self.path.read_bytes()[self.start :].decode(errors="replace")

    def app_lines(self) -> list[str]:
        """The lines other than gunicorn's access log (one per request)."""
        return [line for line in self.text().splitlines() if line.strip() and not line.startswith("127.0.0.1 [")]


@pytest.fixture
def served(transactional_db, tmp_path):
    log = tmp_path / "gunicorn.log"
    with gunicorn({"DATABASE_URL": database_url(connection.settings_dict)}, log_path=log) as base:
        # The first request loads the URLs and connects: not part of what the tests time.
        urllib.request.urlopen(base + "/healthz", timeout=60).read()
        yield base, Log(log)


def test_it_refuses_20_mb_request_lines_fast_and_keeps_healthz_fast(served):
    base, log = served
    outcomes = [{} for _ in range(3)]
    threads = [threading.Thread(target=send_huge_request_line, args=(base, 20 * MB, o)) for o in outcomes]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # the three are in flight
    started = time.monotonic()
    status, body = get(base + "/healthz")
    healthz_seconds = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=15)
    assert status == 200, body
    assert healthz_seconds < 2, healthz_seconds
    for outcome in outcomes:
        # Refused after ~8 KB: the client learns it long before it could send 20 MB.
        assert outcome["seconds"] < 2, outcome
        assert outcome.get("error") or outcome["answer"].startswith(b"HTTP/1.1 4"), outcome
    text = log.text()
    assert "Traceback" not in text
    assert len(log.app_lines()) <= 3, log.app_lines()


def test_it_answers_a_request_line_or_headers_over_the_limit_with_4xx(served):
    base, log = served
    status, _ = raw_request(base, b"GET /?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 414
    status, _ = raw_request(base, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n")
    assert status == 431
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(150))
    status, _ = raw_request(base, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n")
    assert status in (400, 431)
    assert "Traceback" not in log.text()


def test_it_answers_a_30_mb_body_with_413_before_reading_it(served):
    base, log = served
    head = (
        b"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % (30 * MB)
    )
    started = time.monotonic()
    status, body = raw_request(base, head, b"q=" + b"x" * 1000)
    assert time.monotonic() - started < 2
    assert status == 413
    assert "too large" in json.loads(body)["error"]
    # The page form too: an HTML 413 page.
    status, body = raw_request(base, head.replace(b"POST /api/search", b"POST /"))
    assert status == 413
    assert b"<h1>Request too large</h1>" in body
    text = log.text()
    assert "Traceback" not in text
    lines = log.app_lines()
    assert len(lines) == 2, lines
    assert all("RequestDataTooBig" in line for line in lines), lines


def test_it_answers_too_many_fields_with_400(served):
    base, log = served
    form = "&".join(f"f{i}=1" for i in range(2000)).encode()
    head = (
        b"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(form)
    )
    status, body = raw_request(base, head, form)
    assert status == 400
    assert json.loads(body)["error"]
    text = log.text()
    assert "Traceback" not in text
    lines = log.app_lines()
    assert len(lines) == 1 and "TooManyFieldsSent" in lines[0], lines


def test_it_answers_malformed_requests_with_400(served):
    base, log = served
    # Not HTTP at all: gunicorn.
    status, _ = raw_request(base, b"GARBAGE\r\n\r\n")
    assert status == 400
    # A multipart body without a boundary; a Host the portal does not serve.
    bodies = [
        b"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: multipart/form-data\r\nContent-Length: 5\r\n\r\nhello",
        b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        b"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 12\r\n\r\n--xyz\r\nbroken",
    ]
    for raw in bodies:
        status, body = raw_request(base, raw)
        assert status == 400, body[:300]
    text = log.text()
    assert "Traceback" not in text
    assert len(log.app_lines()) <= len(bodies) + 1, log.app_lines()


def test_it_logs_a_long_404_path_in_one_short_line(served):
    base, log = served
    status, _ = get(base + "/" + "x" * 8000)
    assert status == 404
    lines = log.app_lines()
    assert len(lines) == 1, lines
    assert "Not Found" in lines[0] and len(lines[0]) < 400, lines


@override_settings(REQUEST_BODY_LIMITS_BY_URL_NAME={"api_search": 10 * MB})
def test_it_answers_413_when_django_finds_the_body_too_big(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 70_000
    response = client.post("/api/search", {"q": "x" * 80_000})
    assert response.status_code == 413
    assert response.json()["error"]


def test_it_keeps_a_paste_of_the_longest_length_under_the_body_limit(settings):
    worst = ("é" * settings.SEARCH_MAX_CHARS).encode()
    from urllib.parse import quote

    assert len("q=" + quote(worst)) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_it_limits_each_statement_and_lifts_the_limit_for_bulk_loads(db, settings):
    from django.db import connection as conn

    from errors_kb.search_index import bulk_load

    with conn.cursor() as cursor:
        current = "SELECT setting FROM pg_settings WHERE name = 'statement_timeout'"  # in ms
        cursor.execute(current)
        assert cursor.fetchone()[0] == str(settings.DB_STATEMENT_TIMEOUT_MS) != "0"
        with bulk_load():
            cursor.execute(current)
            assert cursor.fetchone()[0] == "0"


def test_it_sizes_gunicorn_above_the_statement_timeout_and_shares_no_control_socket(settings):
    import runpy

    from tests.servers import PROJECT_DIR

    conf = runpy.run_path(str(PROJECT_DIR / "portal" / "gunicorn.conf.py"))
    assert conf["limit_request_line"] == 8190
    assert conf["timeout"] > settings.DB_STATEMENT_TIMEOUT_MS / 1000
    assert conf["control_socket_disable"] is True


def test_it_lets_the_admin_import_take_a_10_mb_file(client, db, settings):
    """The import's own limit (10 MB, explained by its form) is reached before the body limit."""
    from django.urls import reverse

    from errors_kb.admin.imports import MAX_UPLOAD_BYTES

    path = reverse("admin:errors_kb_entry_import")
    limit = settings.REQUEST_BODY_LIMITS_BY_URL_NAME["admin:errors_kb_entry_import"]
    assert limit > MAX_UPLOAD_BYTES + 64 * 1024
    body = client.post(path, data=b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(limit + 1))
    assert body.status_code == 413
    below = client.get(path, CONTENT_LENGTH=str(MAX_UPLOAD_BYTES + 1000))
    assert below.status_code != 413
