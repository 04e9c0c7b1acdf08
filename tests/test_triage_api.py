"""POST /api/triage, the /triage/ page without JavaScript, and `manage.py triage`: one answer
whatever way the report comes in, the contract's shape, limits and bad input."""

import io
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from errors_kb.bench.reports import generate

pytestmark = pytest.mark.usefixtures("dictionary")

DATA = Path(__file__).parent / "data" / "triage"
REPORT = (DATA / "district_sync.log").read_text()


def api(client, **kwargs):
    return client.post(reverse("api_triage"), **kwargs)


def test_it_answers_the_contract_shape(client):
    response = api(client, data=REPORT, content_type="text/plain")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"lines", "known", "groups", "unknown"}
    assert body["lines"] == 20 and body["known"] == 14
    first = body["groups"][0]
    assert set(first) == {"count", "entry", "line_numbers", "values"}
    assert set(first["entry"]) == {"id", "url", "vendor", "vendor_slug", "title", "message"}
    assert first["count"] == len(first["line_numbers"]) == 3
    assert all(isinstance(v, int) for v in first["values"].values())
    counts = [g["count"] for g in body["groups"]]
    assert counts == sorted(counts, reverse=True)
    unknown = body["unknown"][0]
    assert set(unknown) == {"count", "template", "example", "line_numbers"}
    assert sum(u["count"] for u in body["unknown"]) == body["lines"] - body["known"]


def test_it_takes_a_text_body_a_form_field_and_a_multipart_file_alike(client):
    as_body = api(client, data=REPORT, content_type="text/plain").json()
    as_field = api(client, data=urlencode({"text": REPORT}), content_type="application/x-www-form-urlencoded").json()
    as_file = api(client, data={"file": SimpleUploadedFile("sync.log", REPORT.encode())}).json()
    as_multipart_field = api(client, data={"text": REPORT}).json()
    assert as_body == as_field == as_file == as_multipart_field


def test_it_gives_the_api_and_the_command_the_same_groups(client, tmp_path):
    report = generate(3000, fmt="csv", seed=21)
    path = tmp_path / "report.csv"
    path.write_text(report.text)
    out = io.StringIO()
    call_command("triage", str(path), "--format", "json", stdout=out)
    from_command = json.loads(out.getvalue())
    with path.open("rb") as handle:
        from_api = api(client, data={"file": handle}).json()
    assert from_command == from_api
    assert from_api["lines"] == 3000 and from_api["known"] == report.known_lines


def test_it_prints_a_table_and_a_csv_from_the_command(tmp_path):
    path = tmp_path / "sync.log"
    path.write_text(REPORT)
    table, csv_out = io.StringIO(), io.StringIO()
    call_command("triage", str(path), stdout=table)
    call_command("triage", str(path), "--format", "csv", stdout=csv_out)
    assert table.getvalue().startswith("20 lines, 14 explained by 6 entries")
    assert "Student Not Enrolled" in table.getvalue()
    rows = csv_out.getvalue().splitlines()
    assert rows[0].startswith("kind,count,vendor,title,url,blocks_sync,first_fix_step")
    assert rows[1].startswith("entry,3,")


def test_it_answers_413_naming_the_limits(client, settings):
    settings.TRIAGE_MAX_LINES = 100
    response = api(client, data="Some line\n" * 101, content_type="text/plain")
    assert response.status_code == 413 and "at most 100 lines" in response.json()["error"]
    settings.TRIAGE_MAX_BYTES = 2048
    response = api(client, data={"file": SimpleUploadedFile("big.log", b"x" * 4096)})
    assert response.status_code == 413 and "at most 0.00195312 MB (2,048 bytes)" in response.json()["error"]
    response = api(client, data=urlencode({"text": "y" * 4096}), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "2,048 bytes" in response.json()["error"]


def test_it_answers_a_body_past_the_transport_cap_with_413_unread(client, settings):
    response = client.post(
        reverse("api_triage"),
        data="x",
        content_type="text/plain",
        CONTENT_LENGTH=str(settings.TRIAGE_MAX_BODY_BYTES + 1),
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "payload",
    [
        {"data": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "content_type": "application/octet-stream"},
        {"data": "Gradebook \udcff failed".encode("utf-8", "surrogateescape"), "content_type": "text/plain"},
        {"data": "text=Gradebook%FF%FE+failed", "content_type": "application/x-www-form-urlencoded"},
        {"data": "", "content_type": "text/plain"},
    ],
)
def test_it_answers_400_to_binary_undecodable_or_empty_input(client, payload):
    response = api(client, **payload)
    assert response.status_code == 400
    assert response.json()["error"]


def test_it_answers_400_naming_the_columns_when_none_holds_the_message(client):
    text = "when,course,what happened\n2025-12-01,5512,Section 48817 does not have sis_section_id\n"
    response = api(client, data=text, content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["columns"] == ["when", "course", "what happened"]
    assert "column" in response.json()["error"]
    picked = client.post(
        reverse("api_triage") + "?" + urlencode({"column": "what happened"}), data=text, content_type="text/plain"
    )
    assert picked.status_code == 200 and picked.json()["known"] == 1


def test_it_is_rate_limited_like_search(client, settings):
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_TRIAGE = "2/m"
    statuses = [api(client, data="No Grading Period Found", content_type="text/plain").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get(reverse("triage")).status_code == 200  # the empty form is free


def test_it_refuses_get_on_the_api(client):
    assert client.get(reverse("api_triage")).status_code == 405


# --- the page, without JavaScript ------------------------------------------------------------


def test_it_shows_the_form(client):
    response = client.get(reverse("triage"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html and 'name="text"' in html
    assert 'aria-current="page"' in html and ">Triage<" in html


def test_it_answers_a_pasted_report_on_the_page(client):
    response = client.post(reverse("triage"), {"text": REPORT, "format": "html"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    assert "20 lines: 14 explained by 6 entries, 6 not in the dictionary" in html
    assert "Student Not Enrolled" in html and "Blocks the sync" in html
    # A student ID is in the page only behind the mask (shown by "Show values", in the browser).
    assert '<span class="masked-value">[id]</span><span class="raw-value">204518</span>' in html
    assert 'id="triage-export"' in html
    assert "Create entry from this" not in html  # curators only


def test_it_offers_curators_an_entry_from_an_unknown_template(client):
    curator = User.objects.create_user("curator", password="a-long-test-password-4821", is_staff=True)
    curator.user_permissions.add(*Permission.objects.filter(codename__in=["add_entry", "view_entry"]))
    client.force_login(curator)
    html = client.post(reverse("triage"), {"text": REPORT}).content.decode()
    assert "Create entry from this" in html
    assert reverse("admin:errors_kb_entry_add") + "?message=Printer+Room+%5B%23%5D+is+offline" in html


@pytest.mark.parametrize("fmt, content_type", [("csv", "text/csv; charset=utf-8"), ("json", "application/json")])
def test_it_downloads_the_answer_without_javascript(client, fmt, content_type):
    response = client.post(reverse("triage"), {"file": SimpleUploadedFile("sync.log", REPORT.encode()), "format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="triage.{fmt}"'
    if fmt == "json":
        assert json.loads(response.content) == api(client, data=REPORT, content_type="text/plain").json()
    else:
        assert response.content.decode().splitlines()[1].startswith("entry,3,Skyward,Student Not Enrolled,")


def test_it_asks_on_the_page_which_column_holds_the_message(client):
    text = "when,course,what happened\n2025-12-01,5512,Section 48817 does not have sis_section_id\n"
    response = client.post(reverse("triage"), {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<select id="triage-column" name="column">' in html and '<option value="what happened">' in html
    again = client.post(reverse("triage"), {"text": text, "column": "what happened"})
    assert again.status_code == 200 and "1 line: 1 explained by 1 entry" in again.content.decode()


def test_it_answers_413_on_the_page_naming_the_limit(client, settings):
    settings.TRIAGE_MAX_LINES = 10
    response = client.post(reverse("triage"), {"file": SimpleUploadedFile("big.log", b"line\n" * 11)})
    assert response.status_code == 413
    assert "at most 10 lines" in response.content.decode()


def test_it_streams_progress_then_the_answer_to_the_enhanced_form(client):
    report = generate(5000, seed=5)
    response = client.post(reverse("triage"), {"text": report.text}, HTTP_ACCEPT="application/x-ndjson")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson" and "no-store" in response["Cache-Control"]
    events = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    progress = [e["progress"] for e in events if "progress" in e]
    assert progress[0]["stage"] == "reading" and progress[-1] == {"stage": "done", "done": 5000, "total": 5000}
    assert any(0 < p["done"] < 5000 for p in progress)
    assert "5000 lines:" in events[-1]["html"]


def test_it_streams_errors_as_json_with_their_status(client):
    response = client.post(reverse("triage"), {"text": ""}, HTTP_ACCEPT="application/x-ndjson")
    assert response.status_code == 400 and "Paste a sync report" in response.json()["error"]
