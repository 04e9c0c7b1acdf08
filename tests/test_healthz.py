import json
import urllib.request

import pytest
from django.db import connection

from tests.servers import database_url, get, gunicorn


def test_it_answers_ok_with_one_query(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(transaction=True)
def test_it_answers_ok_over_gunicorn():
    with gunicorn({"DATABASE_URL": database_url(connection.settings_dict)}) as base:
        status, body = get(base + "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_it_answers_503_when_the_database_is_down(tmp_path):
    missing = f"postgresql://portal@/portal?host={tmp_path}"
    with gunicorn({"DATABASE_URL": missing}) as base:
        status, body = get(base + "/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "error"


def test_it_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_it_serves_a_long_paste_and_keeps_it_out_of_the_access_log(tmp_path):
    from urllib.parse import quote

    from django.core.management import call_command

    call_command("load_dictionary", "--force", verbosity=0)
    paste = "Student Jane Roe 12345 " + "Gradebook number does not match. " * 550
    assert len(paste) <= 20_000
    log = tmp_path / "gunicorn.log"
    with gunicorn({"DATABASE_URL": database_url(connection.settings_dict)}, log_path=log) as base:
        # POSTed, as the paste box does: a request line is capped at 8190 bytes (gunicorn.conf.py).
        request = urllib.request.Request(base + "/api/search", data=("q=" + quote(paste)).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    assert status == 200, body[:200]
    assert json.loads(body)["results"][0]["title"] == "Gradebook Number Does Not Match"
    access_log = log.read_text()
    assert '"POST /api/search" 200' in access_log
    assert "Jane" not in access_log and "12345" not in access_log
