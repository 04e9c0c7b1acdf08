"""The admin as a workbench: "Test a paste", the changelist's paste search, new causes'
positions, one item a line, and the message field's placeholder help."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from errors_kb.models import Cause, Entry, EntryStatus
from errors_kb.roles import CURATORS, ensure_groups

SKYWARD_PASTE = (
    'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).\n'
    "Please ensure that your assignment categories match between Skyward and Canvas.\n"
    "Available grading categories are: Tests, Quizzes"
)


@pytest.fixture
def curator(client, db):
    ensure_groups()
    user = User.objects.create_user("curator", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=CURATORS))
    client.force_login(user)
    return client


def change_form_data(response) -> dict:
    """The POST an admin add/change page would send as it stands: every field and inline
    form with its current value, ready for a test to change one thing."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            value = field.prepare_value(form[name].value())
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = str(value)
        for form in formset.forms:
            add(form)
    return data


def skyward_entry() -> Entry:
    return Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")


def test_it_shows_a_paste_landing_on_its_entry_with_the_values(curator, dictionary):
    entry = skyward_entry()
    response = curator.post(reverse("admin:errors_kb_entry_test_paste", args=[entry.pk]), {"text": SKYWARD_PASTE})
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome["lands_first"] is True
    assert outcome["groups"][0]["found"].kind == "exact"
    assert outcome["groups"][0]["above"] == []
    assert outcome["direct"]["exact"] is True
    assert outcome["direct"]["params"]["category"] == "Homework"
    assert "The search lands this paste on this entry" in response.content.decode()
    assert "1021.2.004 (ALG 1)" in response.content.decode()


def test_it_shows_what_ranks_above_an_entry_the_paste_is_not_about(curator, dictionary):
    other = Entry.objects.filter(vendor__slug="aeries").exclude(message__icontains="category").first()
    response = curator.post(reverse("admin:errors_kb_entry_test_paste", args=[other.pk]), {"text": SKYWARD_PASTE})
    outcome = response.context["outcome"]
    assert outcome["lands_first"] is False
    assert outcome["direct"]["exact"] is False
    assert outcome["groups"][0]["above"][0].candidate.id == skyward_entry().pk
    assert "does not land this paste on this entry" in response.content.decode()


def test_it_matches_a_draft_directly_since_the_search_sees_published_entries_only(curator, dictionary):
    entry = skyward_entry()
    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.DRAFT)
    response = curator.post(reverse("admin:errors_kb_entry_test_paste", args=[entry.pk]), {"text": SKYWARD_PASTE})
    outcome = response.context["outcome"]
    assert outcome["is_draft"] is True
    assert outcome["direct"]["exact"] is True
    assert outcome["lands_first"] is False


def test_it_refuses_an_empty_paste_with_the_searchs_message(curator, dictionary):
    response = curator.post(reverse("admin:errors_kb_entry_test_paste", args=[skyward_entry().pk]), {"text": "   "})
    assert response.status_code == 200
    assert "outcome" not in response.context
    assert response.context["form"].errors["text"]


def test_it_links_test_a_paste_from_the_change_form(curator, dictionary):
    entry = skyward_entry()
    response = curator.get(reverse("admin:errors_kb_entry_change", args=[entry.pk]))
    assert reverse("admin:errors_kb_entry_test_paste", args=[entry.pk]) in response.content.decode()


def test_it_finds_an_entry_in_the_changelist_by_a_pasted_error(curator, dictionary):
    response = curator.get(reverse("admin:errors_kb_entry_changelist"), {"q": SKYWARD_PASTE})
    results = list(response.context["cl"].result_list)
    assert results[0] == skyward_entry()


def test_it_keeps_finding_drafts_by_their_words_in_the_changelist(curator, dictionary):
    entry = skyward_entry()
    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.DRAFT)
    response = curator.get(reverse("admin:errors_kb_entry_changelist"), {"q": "grading category skyward"})
    assert entry in list(response.context["cl"].result_list)


def test_it_numbers_a_new_cause_after_the_existing_ones(curator, dictionary):
    entry = skyward_entry()
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(curator.get(url))
    existing = entry.causes.count()
    new = f"causes-{existing}"
    data |= {
        "causes-TOTAL_FORMS": str(existing + 1),
        f"{new}-position": "",
        f"{new}-meaning": "The section is not linked to a Skyward course.",
        f"{new}-steps_text": "Link the section.\n    Open Sections.\nSync again.",
        f"{new}-note": "",
        f"{new}-entry": str(entry.pk),
    }
    response = curator.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    added = Cause.objects.get(entry=entry, meaning="The section is not linked to a Skyward course.")
    assert added.position == existing + 1
    assert [s.text for s in added.steps.filter(parent=None)] == ["Link the section.", "Sync again."]


def test_it_shows_a_new_cause_without_a_position(curator, dictionary):
    response = curator.get(reverse("admin:errors_kb_entry_change", args=[skyward_entry().pk]))
    empty_form = response.context["inline_admin_formsets"][0].formset.empty_form
    assert empty_form["position"].value() is None


def test_it_refuses_steps_nested_deeper_than_the_import_takes(curator, dictionary):
    entry = skyward_entry()
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(curator.get(url))
    data["causes-0-steps_text"] = "One.\n    Two.\n        Three.\n            Four."
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "Steps nest at most 3 levels deep" in response.content.decode()


def test_it_saves_variants_and_phrases_one_a_line(curator, dictionary):
    entry = skyward_entry()
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(curator.get(url))
    data["variants"] = "Grading category [xxxxx] not found, for section [xxxxx]\n\n  Category [xxxxx] missing, too  "
    data["phrases"] = "category missing, in skyward\nassignment group mismatch"
    assert curator.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.variants == [
        "Grading category [xxxxx] not found, for section [xxxxx]",
        "Category [xxxxx] missing, too",
    ]
    assert entry.phrases == ["category missing, in skyward", "assignment group mismatch"]


def test_it_explains_the_placeholder_syntax_on_the_message_field(curator, dictionary):
    response = curator.get(reverse("admin:errors_kb_entry_add"))
    page = response.content.decode()
    assert "[assignment name]" in page and "&lt;Section ID&gt;" in page and "XX/XX/XXXX" in page
