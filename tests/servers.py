"""Start the portal under gunicorn, the way `make run` serves it, for tests over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    host = settings_dict["HOST"]
    return f"postgresql://{settings_dict['USER']}@/{settings_dict['NAME']}?host={host}&port={settings_dict['PORT'] or 5432}"


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path | None = None, workers: int = 1):
    port = free_port()
    with ExitStack() as files:
        log = files.enter_context(open(log_path, "wb")) if log_path else subprocess.PIPE
        yield from _serve(port, env, log, workers)


def _serve(port: int, env: dict[str, str], log, workers: int = 1):
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-c",
            "portal/gunicorn.conf.py",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/static/css/portal.css", timeout=1)
                break
            except OSError:  # refused, reset, or timed out while the workers boot
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {process.returncode}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def open_url(opener, url: str, data: dict | bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    """One request through `opener` (its cookies kept): a dict is sent as a form, bytes as they are."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
