"""A curator imports a file through the admin: the dry run first, then apply."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from errors_kb.models import Entry, Vendor
from errors_kb.roles import CURATORS, ensure_groups

pytestmark = pytest.mark.browser

NEW_ENTRY_FILE = {
    "vendors": [{"name": "Example SIS", "slug": "example-sis", "kind": "sis", "aliases": [], "description": "An SIS."}],
    "entries": [
        {
            "vendor": "example-sis",
            "title": "Grading Period Closed",
            "message": "The grading period [period name] is closed in Example SIS for section [section ID].",
            "causes": [{"meaning": "The term is closed.", "steps": ["Ask the registrar to reopen it.", "Sync again."]}],
            "resources": [{"title": "Grading periods", "url": "https://example.org/periods"}],
            "status": "draft",
        }
    ],
}


def log_in_as_curator(page, live_server):
    ensure_groups()  # transactional tests empty the tables the migration filled
    user = User.objects.create_user("curator", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=CURATORS))
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()


def test_it_imports_a_file_after_a_dry_run(live_server, page, transactional_db, tmp_path, screenshot):
    path = tmp_path / "new-entries.json"
    path.write_text(json.dumps(NEW_ENTRY_FILE))
    log_in_as_curator(page, live_server)
    page.goto(live_server.url + reverse("admin:errors_kb_entry_changelist"))
    page.get_by_role("link", name="Import", exact=True).click()

    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Dry run").click()
    report = page.locator("#import-report")
    assert "Dry run of new-entries.json" in report.inner_text()
    assert "example-sis / Grading Period Closed" in report.inner_text()
    screenshot(page, "admin-import-dry-run")
    assert not Entry.objects.filter(vendor__slug="example-sis").exists()

    page.get_by_role("button", name="Apply this import").click()
    assert "Imported: vendors: 1 created" in page.locator(".messagelist").inner_text()
    assert page.url.endswith(reverse("admin:errors_kb_entry_changelist"))
    entry = Entry.objects.get(vendor__slug="example-sis")
    assert entry.title == "Grading Period Closed"
    assert Vendor.objects.get(slug="example-sis").description == "An SIS."
    assert [s.text for s in entry.causes.get().steps.order_by("position")] == [
        "Ask the registrar to reopen it.",
        "Sync again.",
    ]


def test_it_shows_the_problems_of_a_bad_file_without_applying(live_server, page, transactional_db, tmp_path):
    bad = json.loads(json.dumps(NEW_ENTRY_FILE))
    bad["entries"][0]["resources"][0]["url"] = "ftp://example.org/periods"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    log_in_as_curator(page, live_server)
    page.goto(live_server.url + reverse("admin:errors_kb_entry_import"))
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Dry run").click()
    problems = page.locator("#import-problems")
    assert "entries[0] (example-sis / Grading Period Closed)" in problems.inner_text()
    assert "field 'url' must be empty or an http(s) URL" in problems.inner_text()
    assert page.get_by_role("button", name="Apply this import").count() == 0
    assert not Vendor.objects.filter(slug="example-sis").exists()
