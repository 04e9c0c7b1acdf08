"""No line of a triaged report reaches the database or the server's log: a report holding a
student's name and ID, sent every way triage takes one (API body, API upload, the page's
form, its streamed answer, a CSV download), leaves no trace in a dump of the whole database
or in the gunicorn log at DEBUG level."""

import json
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from errors_kb.models import SearchGap
from tests.servers import database_url, gunicorn
from tests.test_no_raw_values import dump_database

NAME, STUDENT_ID, HOMEROOM = "Maribel Quintanilla", "48151623", "homeroom 7B"
REPORT = "\n".join(
    [
        f"2025-12-01T07:00:03Z ERROR grade-sync: Student {STUDENT_ID} was not enrolled in Section for Assignment Unit 2 Test",
        f'Roster push rejected: student "{NAME}" (ID {STUDENT_ID}) has no seat in {HOMEROOM}',
        f'Unable to process score for s{STUDENT_ID}; missing "assignment_source_id" attribute',
    ]
)


def post(url: str, body: bytes, content_type: str, accept: str = "*/*") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(fields: dict[str, str], file_text: str | None = None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    if file_text is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="sync.log"\r\n'
            f"Content-Type: text/plain\r\n\r\n{file_text}\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db(transaction=True)
def test_it_stores_and_logs_no_line_of_a_report(live_dictionary, tmp_path):
    before = dump_database()
    assert NAME not in before and STUDENT_ID not in before  # the oracle means something only then
    log = tmp_path / "gunicorn.log"
    env = {"DATABASE_URL": database_url(connection.settings_dict), "LOG_LEVEL": "DEBUG"}
    with gunicorn(env, log_path=log) as base:
        api, page = base + reverse("api_triage"), base + reverse("triage")
        answers = [post(api, REPORT.encode(), "text/plain")]
        answers.append(post(api, *multipart({}, REPORT)))
        answers.append(post(page, *multipart({"text": REPORT, "format": "html"})))
        answers.append(post(page, *multipart({"format": "csv"}, REPORT)))
        answers.append(post(page, *multipart({"text": REPORT}), accept="application/x-ndjson"))
    assert [status for status, _ in answers] == [200] * 5
    body = json.loads(answers[0][1])
    assert body["known"] == 2 and body["lines"] == 3
    assert STUDENT_ID in answers[2][1].decode()  # the answer itself holds the values, masked on screen

    assert SearchGap.objects.count() == 0  # triage records no search gap
    dump = dump_database()
    server_log = log.read_text()
    assert f"POST {reverse('api_triage')}" in server_log  # the log was written, at DEBUG level
    for value in ("Maribel", "Quintanilla", STUDENT_ID, HOMEROOM, "Unit 2 Test", "Roster push"):
        assert value not in dump, value
        assert value not in server_log, value
