"""A database outage over real HTTP: a throwaway PostgreSQL cluster of the test's own is
stopped under a running gunicorn, then started again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from portal import localdb
from tests.servers import PROJECT_DIR, gunicorn

PASTE = "Gradebook number does not match."


class ThrowawayCluster:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.socket = root / "s"
        self.user = "postgres" if os.geteuid() == 0 else None
        self.bin = localdb.pg_bin_dir()

    def run(self, *argv: str) -> None:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.socket.mkdir()
        if self.user:
            shutil.chown(self.root, user=self.user)
            shutil.chown(self.socket, user=self.user)
        self.run("initdb", "-D", str(self.data), "-U", "gpp", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
        conf = (
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{self.socket}'\n"
            "fsync = off\nshared_buffers = 16MB\nmax_connections = 20\n"
        )
        with open(self.data / "postgresql.conf", "a") as config:
            config.write(conf)

    def start(self) -> None:
        self.run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "30")

    def stop(self) -> None:
        self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")

    @property
    def url(self) -> str:
        return f"postgresql://gpp@/postgres?host={self.socket}"


@contextmanager
def throwaway_cluster():
    if localdb.pg_bin_dir() is None:
        pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are missing: `make test` installs them")
    # A short path: a Unix socket's path is limited to 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="gpp-outage-", dir="/tmp"))
    cluster = ThrowawayCluster(root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def call(url: str, data: bytes | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def new_lines(log: Path, start: int) -> list[str]:
    text = log.read_bytes()[start:].decode(errors="replace")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("127.0.0.1 [")]


def test_it_answers_503_while_the_database_is_down_and_recovers_by_itself(tmp_path):
    log = tmp_path / "gunicorn.log"
    with throwaway_cluster() as cluster:
        env = {**os.environ, "DATABASE_URL": cluster.url}
        env.pop("DATABASE_REPLICA_URL", None)
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        with gunicorn({"DATABASE_URL": cluster.url}, log_path=log) as base:
            search_page = base + "/?q=" + quote(PASTE)
            api = base + "/api/search"
            form = ("q=" + quote(PASTE)).encode()
            assert call(base + "/healthz")[0] == 200
            assert call(search_page)[0] == 200
            assert call(api, form)[0] == 200

            cluster.stop()
            start = log.stat().st_size
            for _ in range(50):
                status, headers, body = call(search_page)
                assert status == 503, body[:300]
                assert int(headers["Retry-After"]) > 0
                assert b"<h1>Temporarily unavailable</h1>" in body
                status, headers, body = call(api, form)
                assert status == 503, body[:300]
                assert int(headers["Retry-After"]) > 0
                assert "unavailable" in json.loads(body)["error"]
                status, headers, body = call(base + "/api/search?q=" + quote(PASTE))
                assert status == 503 and "error" in json.loads(body)
                status, headers, body = call(base + "/healthz")
                assert status == 503 and int(headers["Retry-After"]) > 0
            # A session to load: the database is reached from the middleware, not a view.
            admin = urllib.request.Request(
                base + "/admin/", headers={"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
            )
            try:
                urllib.request.urlopen(admin, timeout=10)
                raise AssertionError("the admin answered while the database was down")
            except urllib.error.HTTPError as error:
                assert error.code == 503 and int(error.headers["Retry-After"]) > 0
                assert b"Temporarily unavailable" in error.read()
            time.sleep(0.3)
            lines = new_lines(log, start)
            assert not any("Traceback" in line for line in lines)
            assert len(lines) <= 5, lines

            cluster.start()
            deadline = time.monotonic() + 10
            while call(base + "/healthz")[0] != 200:
                assert time.monotonic() < deadline, "still 503 ten seconds after the database came back"
                time.sleep(0.2)
            assert call(search_page)[0] == 200
            status, _, body = call(api, form)
            assert status == 200 and "results" in json.loads(body)
    assert "Traceback" not in log.read_text()
