import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from errors_kb.documents import export_data
from errors_kb.models import Cause, Entry, Step, Vendor

GOOD = {
    "vendors": [{"name": "Skyward", "slug": "skyward", "kind": "sis", "aliases": ["Skyward Qmlativ"]}],
    "entries": [
        {
            "vendor": "skyward",
            "title": "Grading Category Not Found",
            "message": "Grading category [xxxxx] not found in Skyward for section [xxxxx].",
            "http_status": None,
            "error_code": None,
            "topics": [],
            "causes": [
                {
                    "meaning": "Canvas assignment group names do not match Skyward categories.",
                    "note": "",
                    "steps": [
                        "In Canvas, verify the assignment group names.",
                        {"text": "Admins, open the gradebook setup.", "steps": ["Open Categories.", "Compare names."]},
                        "In Canvas, re-sync grades to Skyward.",
                    ],
                }
            ],
            "resources": [{"title": "Syncing grades", "url": ""}],
            "status": "published",
        }
    ],
}


def write(tmp_path, data, name="entries.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def import_file(path, *args):
    out = StringIO()
    call_command("import_entries", path, *args, stdout=out)
    return out.getvalue()


def test_it_imports_an_entry_with_causes_and_ordered_nested_steps(empty_db, tmp_path):
    output = import_file(write(tmp_path, GOOD))
    assert "entries: 1 created" in output
    entry = Entry.objects.get()
    assert entry.vendor.aliases == ["Skyward Qmlativ"]
    assert entry.slug == "grading-category-not-found"
    cause = entry.causes.get()
    top = list(cause.steps.filter(parent__isnull=True).values_list("text", flat=True))
    assert top == [
        "In Canvas, verify the assignment group names.",
        "Admins, open the gradebook setup.",
        "In Canvas, re-sync grades to Skyward.",
    ]
    nested = Step.objects.get(text="Admins, open the gradebook setup.").children.values_list("text", flat=True)
    assert list(nested) == ["Open Categories.", "Compare names."]


def test_it_changes_nothing_when_imported_twice(empty_db, tmp_path):
    path = write(tmp_path, GOOD)
    import_file(path)
    before = list(Step.objects.values_list("id", "text"))
    output = import_file(path)
    assert "0 created, 0 updated, 1 unchanged" in output
    assert list(Step.objects.values_list("id", "text")) == before


def test_it_updates_an_entry_whose_source_changed(empty_db, tmp_path):
    import_file(write(tmp_path, GOOD))
    changed = json.loads(json.dumps(GOOD))
    changed["entries"][0]["causes"][0]["steps"].append("Tell the teacher.")
    output = import_file(write(tmp_path, changed, "v2.json"))
    assert "1 updated" in output
    assert Cause.objects.get().steps.filter(parent=None).count() == 4


def test_it_keeps_what_a_curator_changed(empty_db, tmp_path):
    import_file(write(tmp_path, GOOD))
    step = Step.objects.get(text="In Canvas, re-sync grades to Skyward.")
    step.text = "In Canvas, click Sync to SIS again."
    step.save(update_fields=["text"])
    changed = json.loads(json.dumps(GOOD))
    changed["entries"][0]["causes"][0]["meaning"] = "Reworded upstream."
    output = import_file(write(tmp_path, changed, "v2.json"))
    assert "1 kept as curators edited them" in output
    assert Step.objects.filter(text="In Canvas, click Sync to SIS again.").exists()
    assert Cause.objects.get().meaning.startswith("Canvas assignment group")
    import_file(write(tmp_path, changed, "v2.json"), "--overwrite-curated")
    assert Cause.objects.get().meaning == "Reworded upstream."


def test_it_round_trips_through_export(empty_db, tmp_path):
    import_file(write(tmp_path, GOOD))
    exported = tmp_path / "export.json"
    call_command("export_entries", "--output", str(exported))
    first = json.loads(exported.read_text())
    Entry.objects.all().delete()
    import_file(str(exported))
    assert export_data() == first
    assert first["entries"][0]["causes"][0]["steps"][1]["steps"] == ["Open Categories.", "Compare names."]


def bad(mutate):
    data = json.loads(json.dumps(GOOD))
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (
            bad(lambda d: d["entries"][0].update(vendor="blackbaud")),
            "field 'vendor' names an unknown vendor 'blackbaud'",
        ),
        (bad(lambda d: d["entries"][0].update(message="  ")), "field 'message' must be a non-empty string"),
        (bad(lambda d: d["entries"][0].update(http_status="409")), "field 'http_status' must be null or an integer"),
        (bad(lambda d: d["entries"][0]["causes"][0]["steps"].append(7)), "step 4: field 'text' must be a string"),
        (bad(lambda d: d["entries"][0].update(causes=[])), "field 'causes' must be a non-empty list"),
        (bad(lambda d: d["vendors"][0].update(kind="erp")), "field 'kind' must be one of"),
        (bad(lambda d: d["entries"][0].update(topics=["nope"])), "names an unknown topic 'nope'"),
        ("{not json", "not valid JSON"),
        ("[]", "must hold a JSON object"),
    ],
)
def test_it_rejects_a_bad_file_and_changes_nothing(empty_db, tmp_path, data, complaint):
    import_file(write(tmp_path, GOOD))
    snapshot = export_data()
    good_second = json.loads(json.dumps(GOOD))
    good_second["entries"][0]["title"] = "Another entry that must not land"
    if isinstance(data, dict):
        data["entries"].insert(0, good_second["entries"][0])
    with pytest.raises(CommandError) as error:
        import_file(write(tmp_path, data, "bad.json"))
    assert complaint in str(error.value)
    assert "nothing imported" in str(error.value)
    assert export_data() == snapshot


def test_it_names_the_record_of_a_bad_entry(empty_db, tmp_path):
    data = bad(lambda d: d["entries"][0].update(message=""))
    with pytest.raises(CommandError) as error:
        import_file(write(tmp_path, data))
    assert "entries[0] (skyward / Grading Category Not Found): field 'message'" in str(error.value)
    assert not Vendor.objects.exists()


def test_it_rejects_a_file_that_is_not_utf8(empty_db, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"vendors": [], "entries": [], "x": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        import_file(str(path))


def test_it_exits_non_zero_from_the_command_line(empty_db, tmp_path):
    import subprocess
    import sys

    from django.db import connection

    from tests.servers import PROJECT_DIR, database_url

    path = write(tmp_path, bad(lambda d: d["entries"][0].update(vendor="")))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_entries", path],
        cwd=PROJECT_DIR,
        env={**__import__("os").environ, "DATABASE_URL": database_url(connection.settings_dict)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "field 'vendor' must name a vendor" in result.stderr
