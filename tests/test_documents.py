"""The entry document (errors_kb/documents.py): schema limits from the models, normal form,
fingerprints, the step-tree codec, and curator edits of vendors and topics kept by imports."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from errors_kb.documents import (
    MAX_STEP_DEPTH,
    ImportFileError,
    create_steps,
    entry_fingerprint,
    export_data,
    normal_entry,
    steps_to_dicts,
    validate,
)
from errors_kb.importing import dry_run, import_data
from errors_kb.models import Cause, Entry, Resource, Topic, Vendor


def document(**entry_fields) -> dict:
    entry = {
        "vendor": "skyward",
        "title": "Grading Category Not Found",
        "message": "Grading category [xxxxx] not found in Skyward for section [xxxxx].",
        "topics": ["grading-category-mismatch"],
        "causes": [{"meaning": "Assignment group names differ.", "steps": ["Rename the group."]}],
        "resources": [{"title": "Syncing grades", "url": "https://example.org/guide"}],
        "status": "published",
    } | entry_fields
    return {
        "topics": [{"slug": "grading-category-mismatch", "name": "Grading category mismatch", "description": ""}],
        "vendors": [
            {"name": "Skyward", "slug": "skyward", "kind": "sis", "aliases": ["Qmlativ"], "description": "An SIS."}
        ],
        "entries": [entry],
    }


def problems_of(data) -> list[str]:
    with pytest.raises(ImportFileError) as error:
        validate(data)
    return error.value.problems


def test_it_reads_length_limits_from_the_model_fields(empty_db):
    title_limit = Entry._meta.get_field("title").max_length
    code_limit = Entry._meta.get_field("error_code").max_length
    data = document(title="T" * (title_limit + 1), error_code="E" * (code_limit + 1))
    data["vendors"][0]["aliases"] = ["A" * (Vendor._meta.get_field("aliases").base_field.max_length + 1)]
    problems = "\n".join(problems_of(data))
    assert f"field 'title' is refused: Ensure this value has at most {title_limit} characters" in problems
    assert f"field 'error_code' is refused: Ensure this value has at most {code_limit} characters" in problems
    assert "field 'aliases' is refused: Item 1 in the array did not validate" in problems


def test_it_accepts_a_title_at_the_model_limit(empty_db):
    validate(document(title="T" * Entry._meta.get_field("title").max_length))


def test_it_refuses_an_ftp_resource_url_in_the_import_and_on_the_model_alike(empty_db):
    data = document(resources=[{"title": "Guide", "url": "ftp://files.example.org/guide.pdf"}])
    assert any("resource 1: field 'url' must be empty or an http(s) URL" in p for p in problems_of(data))
    resource = Resource(entry=Entry(), title="Guide", url="ftp://files.example.org/guide.pdf")
    with pytest.raises(ValidationError) as error:
        resource.full_clean(exclude=["entry"])
    assert "Enter an http:// or https:// URL." in error.value.message_dict["url"]


def test_it_refuses_an_http_status_out_of_range_with_the_model_rule(empty_db):
    problems = "\n".join(problems_of(document(http_status=99)))
    assert "field 'http_status' is refused: Ensure this value is greater than or equal to 100." in problems


def test_it_groups_problems_by_record(empty_db):
    data = document(message="", causes=[{"meaning": "", "steps": [""]}])
    with pytest.raises(ImportFileError) as error:
        validate(data)
    grouped = error.value.by_record()
    assert list(grouped) == ["entries[0] (skyward / Grading Category Not Found)"]
    texts = grouped["entries[0] (skyward / Grading Category Not Found)"]
    assert "field 'message' must be a non-empty string" in texts
    assert "cause 1: field 'meaning' must be a non-empty string" in texts
    assert "cause 1 step 1: field 'text' must not be empty" in texts


def test_it_refuses_steps_nested_deeper_than_the_limit(empty_db):
    steps: list = ["Deepest."]
    for level in range(MAX_STEP_DEPTH):
        steps = [{"text": f"Level {MAX_STEP_DEPTH - level}.", "steps": steps}]
    data = document(causes=[{"meaning": "Too deep.", "steps": steps}])
    assert any(f"steps nest deeper than {MAX_STEP_DEPTH} levels" in p for p in problems_of(data))


def test_it_fingerprints_content_and_not_identity(empty_db):
    record = document()["entries"][0]
    first = normal_entry(record, "skyward")
    renamed = normal_entry(record | {"slug": "another-slug", "key": "skyward.other"}, "skyward")
    assert entry_fingerprint(first) == entry_fingerprint(renamed)
    reworded = normal_entry(record | {"causes": [{"meaning": "Other words.", "steps": []}]}, "skyward")
    assert entry_fingerprint(first) != entry_fingerprint(reworded)


def test_it_round_trips_a_step_tree_through_rows(empty_db):
    import_data(document())
    cause = Cause.objects.get()
    cause.steps.all().delete()
    tree = [
        "Open Settings.",
        {"text": "Check the groups.", "steps": ["Homework.", {"text": "Quizzes.", "steps": ["Weights."]}]},
    ]
    create_steps(cause, tree)
    assert steps_to_dicts(cause.steps.filter(parent__isnull=True)) == tree


def test_it_keeps_a_vendor_and_a_topic_a_curator_edited(empty_db):
    import_data(document())
    Vendor.objects.filter(slug="skyward").update(description="Written by our curator.", aliases=["Qmlativ", "SMS"])
    Topic.objects.filter(slug="grading-category-mismatch").update(name="Category names differ")
    upstream = document()
    upstream["vendors"][0]["description"] = "Reworded upstream."
    upstream["topics"][0]["name"] = "Renamed upstream"

    report = import_data(upstream)

    assert {(r.kind, r.label) for r in report.kept_curated} == {
        ("vendor", "skyward"),
        ("topic", "grading-category-mismatch"),
    }
    assert "vendors: 0 created, 0 updated, 0 unchanged, 1 kept as curators edited them" in report.summary()
    vendor = Vendor.objects.get(slug="skyward")
    assert (vendor.description, vendor.aliases) == ("Written by our curator.", ["Qmlativ", "SMS"])
    assert Topic.objects.get().name == "Category names differ"

    import_data(upstream, overwrite_curated=True)
    assert Vendor.objects.get(slug="skyward").description == "Reworded upstream."
    assert Topic.objects.get().name == "Renamed upstream"


def test_it_updates_a_vendor_the_import_wrote_and_nobody_edited(empty_db):
    import_data(document())
    upstream = document()
    upstream["vendors"][0]["description"] = "Reworded upstream."
    report = import_data(upstream)
    assert report.labels("vendor", "updated") == ["skyward"]
    assert Vendor.objects.get().description == "Reworded upstream."


def test_it_treats_rows_without_a_fingerprint_as_imported(empty_db):
    Vendor.objects.create(name="Skyward", slug="skyward", description="From before fingerprints.")
    Topic.objects.create(slug="grading-category-mismatch", name="Old name")
    report = import_data(document())
    assert report.labels("vendor", "updated") == ["skyward"]
    assert report.labels("topic", "updated") == ["grading-category-mismatch"]
    vendor = Vendor.objects.get()
    assert vendor.description == "An SIS."
    assert vendor.imported_fingerprint
    assert Topic.objects.get().imported_fingerprint


def test_it_reports_a_dry_run_and_changes_nothing(empty_db):
    report = dry_run(document())
    assert report.labels("entry", "created") == ["skyward / Grading Category Not Found"]
    assert not Vendor.objects.exists()
    assert not Entry.objects.exists()


def test_it_keeps_a_curators_vendor_edit_through_load_dictionary_force(dictionary):
    Vendor.objects.filter(slug="skyward").update(description="Our own words.")
    out = StringIO()
    call_command("load_dictionary", "--force", stdout=out)
    assert Vendor.objects.get(slug="skyward").description == "Our own words."
    assert "1 kept as curators edited them" in out.getvalue().split(";")[0]
    call_command("load_dictionary", "--force", "--overwrite-curated", stdout=StringIO())
    assert Vendor.objects.get(slug="skyward").description != "Our own words."


def test_it_serves_the_entry_document_in_the_api(client, empty_db):
    import_data(document())
    entry = Entry.objects.get()
    body = client.get(reverse("api_entry", args=[entry.id])).json()
    exported = export_data()["entries"][0]
    assert {name: body[name] for name in exported} == exported


def test_it_writes_the_export_file_the_command_writes(empty_db, tmp_path):
    import_data(document())
    path = tmp_path / "export.json"
    call_command("export_entries", "--output", str(path))
    assert json.loads(path.read_text()) == export_data()
