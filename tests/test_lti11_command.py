"""manage.py lti11_check FILE [--secret-env VAR] [--url URL] [--format json]."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.lti11_signing import LAUNCH_URL, SECRET, THREAD_REQUEST, signed_request
from tests.servers import PROJECT_DIR
from tests.test_lti11_checker import CONTRACT_IDS


def test_it_prints_each_check_and_exits_1_when_one_fails(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("lti11_check", str(THREAD_REQUEST))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "pass  method: The request is a POST." in out
    assert "FAIL  auth_header_encoding: " in out
    assert "      why: /vendors/lti-1-1/401-invalid-authorization-header/#cause-3" in out
    assert "—     signature: Not checked: give the consumer secret" in out
    assert out.rstrip().endswith("4 of 13 checks failed.")


def test_it_reads_the_secret_from_the_environment_and_exits_0(tmp_path, monkeypatch, capsys):
    request = tmp_path / "request.txt"
    request.write_text(signed_request(), encoding="utf-8")
    monkeypatch.setenv("LTI_TEST_SECRET", SECRET)
    call_command("lti11_check", str(request), "--secret-env", "LTI_TEST_SECRET", "--url", LAUNCH_URL)
    out = capsys.readouterr().out
    assert "pass  signature: The HMAC-SHA1 signature matches" in out
    assert out.rstrip().endswith("No check failed.")
    assert SECRET not in out


def test_it_answers_the_api_contract_as_json(tmp_path, monkeypatch, capsys):
    request = tmp_path / "request.txt"
    request.write_text(signed_request(secret="not-the-secret-canvas-holds"), encoding="utf-8")
    monkeypatch.setenv("LTI_TEST_SECRET", SECRET)
    with pytest.raises(SystemExit):
        call_command("lti11_check", str(request), "--secret-env", "LTI_TEST_SECRET", "--format", "json")
    answer = json.loads(capsys.readouterr().out)
    assert answer["ok"] is False
    assert [c["id"] for c in answer["checks"]] == CONTRACT_IDS
    assert [c["id"] for c in answer["checks"] if c["passed"] is False] == ["signature"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "no such file"),
        (b"\xff\xfe\x00binary", [], "not UTF-8 text"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01", [], "binary data"),
        (b"Invalid authorization header", [], "does not look like an HTTP request"),
        (
            b"POST / HTTP/1.1\r\n\r\n",
            ["--secret-env", "LTI_NO_SUCH_VARIABLE_9"],
            "that environment variable is not set",
        ),
    ],
)
def test_it_explains_what_it_cannot_read(tmp_path, content, args, message):
    path = tmp_path / "request.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as error:
        call_command("lti11_check", str(path), *args)
    assert error.value.returncode == 2


def test_it_exits_with_its_status_from_a_shell(tmp_path):
    request = tmp_path / "request.txt"
    request.write_text(signed_request(), encoding="utf-8")
    env = {**os.environ, "LTI_TEST_SECRET": SECRET}
    command = [sys.executable, "manage.py", "lti11_check", str(request), "--secret-env", "LTI_TEST_SECRET"]
    passed = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert passed.returncode == 0, passed.stderr
    failed = subprocess.run(
        [*command[:3], str(THREAD_REQUEST)], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert failed.returncode == 1
    assert SECRET not in passed.stdout + passed.stderr
