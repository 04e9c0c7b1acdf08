"""Import and export in the admin: the dry run, applying it, who may, bad files, and the
round trip of what the admin accepts through the export and the import."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from errors_kb.admin.imports import MAX_UPLOAD_BYTES
from errors_kb.documents import export_data, validate
from errors_kb.importing import import_data
from errors_kb.models import Entry, EntryStatus, Topic, Vendor
from errors_kb.roles import CURATORS, SUPPORT_AGENTS, ensure_groups
from tests.test_admin_workbench import change_form_data


def staff_client(client, group_name: str):
    ensure_groups()
    user = User.objects.create_user(f"user-{group_name}", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return client


@pytest.fixture
def curator(client, db):
    return staff_client(client, CURATORS)


def skyward_file(**entry_fields) -> dict:
    return {
        "vendors": [{"name": "Skyward", "slug": "skyward", "kind": "sis", "aliases": [], "description": "An SIS."}],
        "entries": [
            {
                "vendor": "skyward",
                "title": "Grading Category Not Found",
                "message": "Grading category [xxxxx] not found in Skyward for section [xxxxx].",
                "causes": [{"meaning": "Assignment group names differ.", "steps": ["Rename the group."]}],
                "status": "published",
            }
            | entry_fields
        ],
    }


def upload(data, name="entries.json") -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/json")


def dry_run(client, data, **fields):
    return client.post(reverse("admin:errors_kb_entry_import"), {"file": upload(data), **fields})


def test_it_shows_a_dry_run_and_changes_nothing_until_applied(curator, empty_db):
    response = dry_run(curator, skyward_file())
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.context["report_rows"]}
    assert rows["Entries"]["created"] == ["skyward / Grading Category Not Found"]
    assert rows["Vendors"]["created"] == ["skyward"]
    assert "Dry run of entries.json" in response.content.decode()
    assert not Entry.objects.exists()

    apply = response.context["apply_form"].initial
    response = curator.post(reverse("admin:errors_kb_entry_import_apply"), apply)
    assert response.status_code == 302
    assert response.url == reverse("admin:errors_kb_entry_changelist")
    assert Entry.objects.get().title == "Grading Category Not Found"


def test_it_reports_a_vendor_kept_because_a_curator_edited_it(curator, empty_db):
    import_data(skyward_file())
    Vendor.objects.filter(slug="skyward").update(description="Our curator's words.")
    upstream = skyward_file()
    upstream["vendors"][0]["description"] = "Reworded upstream."
    response = dry_run(curator, upstream)
    rows = {row["kind"]: row for row in response.context["report_rows"]}
    assert rows["Vendors"]["kept"] == ["skyward"]
    assert "kept because a curator edited them" in response.content.decode()

    response = dry_run(curator, upstream, overwrite_curated="on")
    rows = {row["kind"]: row for row in response.context["report_rows"]}
    assert rows["Vendors"]["updated"] == ["skyward"]
    curator.post(reverse("admin:errors_kb_entry_import_apply"), response.context["apply_form"].initial)
    assert Vendor.objects.get().description == "Reworded upstream."


def test_it_lists_the_problems_of_each_bad_record_and_offers_no_apply(curator, empty_db):
    data = skyward_file(message="", resources=[{"title": "Guide", "url": "ftp://example.org/guide"}])
    data["entries"].append(dict(data["entries"][0], title="Second", message="Fine.", vendor="blackbaud", resources=[]))
    response = dry_run(curator, data)
    assert response.status_code == 200
    problems = response.context["problems"]
    assert problems["entries[0] (skyward / Grading Category Not Found)"] == [
        "field 'message' must be a non-empty string",
        "resource 1: field 'url' must be empty or an http(s) URL",
    ]
    assert problems["entries[1] (blackbaud / Second)"] == ["field 'vendor' names an unknown vendor 'blackbaud'"]
    assert "apply_form" not in response.context
    assert not Vendor.objects.exists()


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [(b"{not json", "not valid JSON"), (b"\xff\xfe", "not UTF-8"), (b"[]", "must hold a JSON object")],
)
def test_it_answers_a_file_it_cannot_read_with_its_problem_not_a_500(curator, empty_db, raw, complaint):
    response = dry_run(curator, raw)
    assert response.status_code == 200
    assert complaint in response.content.decode()


def test_it_refuses_a_file_over_the_size_cap(curator, empty_db):
    response = dry_run(curator, b" " * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 200
    assert "an import takes at most 10 MB" in response.context["form"].errors["file"][0]


def test_it_lets_support_agents_export_but_not_import(client, empty_db):
    agent = staff_client(client, SUPPORT_AGENTS)
    assert agent.get(reverse("admin:errors_kb_entry_import")).status_code == 403
    assert dry_run(agent, skyward_file()).status_code == 403
    assert agent.post(reverse("admin:errors_kb_entry_import_apply"), {"token": "0" * 32}).status_code == 403
    assert agent.get(reverse("admin:errors_kb_entry_export")).status_code == 200
    assert not Vendor.objects.exists()


def test_it_applies_only_a_file_this_session_uploaded(curator, empty_db):
    response = curator.post(reverse("admin:errors_kb_entry_import_apply"), {"token": "a" * 32})
    assert response.status_code == 302
    assert response.url == reverse("admin:errors_kb_entry_import")
    assert not Vendor.objects.exists()


def test_it_applies_with_post_only(curator, empty_db):
    assert curator.get(reverse("admin:errors_kb_entry_import_apply")).status_code == 405


def test_it_downloads_the_export_the_command_writes(curator, empty_db):
    import_data(skyward_file())
    response = curator.get(reverse("admin:errors_kb_entry_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content) == export_data()


def test_it_links_import_and_export_from_the_entry_list(curator, empty_db):
    page = curator.get(reverse("admin:errors_kb_entry_changelist")).content.decode()
    assert reverse("admin:errors_kb_entry_import") in page
    assert reverse("admin:errors_kb_entry_export") in page


def test_it_exports_what_the_admin_accepts_and_imports_it_back(curator, empty_db):
    vendor = Vendor.objects.create(name="Skyward", slug="skyward", aliases=["Qmlativ"])
    topic = Topic.objects.create(slug="grading-category-mismatch", name="Grading category mismatch")
    url = reverse("admin:errors_kb_entry_add")
    data = change_form_data(curator.get(url))
    data |= {
        "vendor": str(vendor.pk),
        "title": "Grading Category Not Found",
        "slug": "grading-category-not-found",
        "message": "Grading category [category name] not found in Skyward for section <Section ID>.",
        "variants": "Category [category name] not found",
        "phrases": "assignment group missing\ncategory not in skyward",
        "status": EntryStatus.PUBLISHED,
        "http_status": "404",
        "error_code": "CATEGORY_NOT_FOUND",
        "topics": [str(topic.pk)],
        "source": "curator",
        "notes": "A note.",
        "internal_notes": "Staff only.",
        "former_slugs": "old-grading-category",
        "causes-0-position": "",
        "causes-0-meaning": "Assignment group names differ from Skyward categories.",
        "causes-0-steps_text": "Open the gradebook.\n    Compare names.\n        Check spelling.\nSync again.",
        "causes-0-note": "Names are case sensitive.",
        "resources-TOTAL_FORMS": "1",
        "resources-0-position": "1",
        "resources-0-title": "Syncing grades",
        "resources-0-url": "https://example.org/guide",
    }
    refused = curator.post(url, data | {"resources-0-url": "ftp://example.org/guide"})
    assert refused.status_code == 200
    assert "Enter an http:// or https:// URL." in refused.content.decode()
    assert not Entry.objects.exists()

    response = curator.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    exported = export_data()
    validate(json.loads(json.dumps(exported)))
    Entry.objects.all().delete()
    import_data(exported)
    assert export_data() == exported
    assert exported["entries"][0]["causes"][0]["steps"] == [
        {"text": "Open the gradebook.", "steps": [{"text": "Compare names.", "steps": ["Check spelling."]}]},
        "Sync again.",
    ]


def test_it_asks_for_a_cause_as_the_import_does(curator, empty_db):
    vendor = Vendor.objects.create(name="Skyward", slug="skyward")
    url = reverse("admin:errors_kb_entry_add")
    data = change_form_data(curator.get(url))
    data |= {"vendor": str(vendor.pk), "title": "No cause", "slug": "no-cause", "message": "Broken.", "status": "draft"}
    data |= {"source": "curator", "causes-0-meaning": "", "causes-0-position": ""}
    response = curator.post(url, data)
    assert response.status_code == 200
    assert not Entry.objects.exists()
