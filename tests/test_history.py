"""An entry's history: publish and draft recorded with who and a comment, what changed in
words, the diff of two versions, revert of causes, steps and resources; "last reviewed" and
the review-due filter; old slugs kept after a rename in the admin."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from errors_kb.admin.history import twelve_months_before
from errors_kb.models import Entry, EntryStatus, Resource, Step
from tests.test_admin_workbench import change_form_data

PASSWORD = "a-long-test-password-4821"


@pytest.fixture
def curator_user(monkeypatch, dictionary) -> User:
    monkeypatch.setenv("ACCOUNT_PASSWORD", PASSWORD)
    call_command("create_account", "casey", "--role", "curator", "--noinput", stdout=StringIO())
    return User.objects.get(username="casey")


@pytest.fixture
def curator(client, curator_user):
    client.force_login(curator_user)
    return client


def lti_entry() -> Entry:
    return Entry.objects.select_related("vendor").get(
        vendor__slug="lti-1-1", slug="415-content-type-must-be-application-xml"
    )


def versions(entry: Entry) -> list[Version]:
    """Latest first."""
    return list(Version.objects.get_for_object(entry).select_related("revision__user"))


def comments(entry: Entry) -> list[str]:
    return [version.revision.get_comment() for version in versions(entry)]


def parts(entry: Entry) -> dict:
    """What a revert must bring back: causes with their steps in order, and resources."""
    return {
        "causes": [
            (cause.position, cause.meaning, [(s.parent_id is None, s.position, s.text) for s in cause.steps.all()])
            for cause in entry.causes.order_by("position")
        ],
        "resources": list(entry.resources.order_by("position").values_list("position", "title", "url")),
    }


def run_action(client, action: str, entry: Entry, **extra):
    return client.post(
        reverse("admin:errors_kb_entry_changelist"), {"action": action, "_selected_action": [entry.pk], **extra}
    )


def edit(client, entry: Entry, **changes):
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def test_it_records_publish_and_draft_with_the_user_and_a_comment(curator, curator_user):
    entry = lti_entry()
    run_action(curator, "unpublish", entry)
    run_action(curator, "publish", entry)
    run_action(curator, "publish", entry)  # already published: nothing to record

    history = versions(entry)
    assert [v.revision.get_comment() for v in history] == [
        "Published",
        "Moved to draft",
        "As it was before its first change in the admin",
    ]
    assert [v.revision.user for v in history] == [curator_user, curator_user, None]
    assert history[0].revision.date_created >= history[1].revision.date_created
    assert history[1].field_dict["status"] == EntryStatus.DRAFT
    assert history[0].field_dict["status"] == EntryStatus.PUBLISHED

    page = curator.get(reverse("admin:errors_kb_entry_history", args=[entry.pk])).content.decode()
    assert "Moved to draft" in page and "casey" in page


def test_it_names_what_changed_in_words(curator):
    entry = lti_entry()
    steps = change_form_data(curator.get(reverse("admin:errors_kb_entry_change", args=[entry.pk])))
    edit(
        curator,
        entry,
        title="415: Content-Type must be application/xml",
        **{"causes-0-steps_text": steps["causes-0-steps_text"] + "\nSend the request again."},
    )
    assert comments(entry)[0] == "Changed title, steps of cause 1"

    edit(curator, entry, status=EntryStatus.DRAFT, notes="Checked against canvas-lms in 2026.")
    assert comments(entry)[0] == "Moved to draft; changed notes"


def test_it_shows_a_changed_step_in_the_diff(curator):
    entry = lti_entry()
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    old_steps = change_form_data(curator.get(url))["causes-0-steps_text"].splitlines()
    new_steps = [*old_steps[:-1], "Set the header to Content-Type: application/xml and retry."]
    edit(curator, entry, **{"causes-0-steps_text": "\n".join(new_steps)})

    latest = versions(entry)[0]
    diff = curator.get(reverse("admin:errors_kb_entry_version_diff", args=[entry.pk, latest.pk]))
    assert diff.status_code == 200
    page = diff.content.decode()
    assert "Changed steps of cause 1" in page
    last = len(old_steps)
    removed = f"{last}. {' '.join(old_steps[-1].split())}"
    added = f"{last}. Set the header to Content-Type: application/xml and retry."
    assert f'<del><span class="visually-hidden">Removed: </span>    {removed}</del>' in page
    assert f'<ins><span class="visually-hidden">Added: </span>    {added}</ins>' in page
    assert "Revert to this version" in page
    assert "<script" not in page.split('id="content-main"')[1] and "style=" not in page

    with_current = curator.get(
        reverse("admin:errors_kb_entry_version_diff", args=[entry.pk, versions(entry)[1].pk]), {"with": "current"}
    )
    assert with_current.context["summary"] == "Changed steps of cause 1"
    assert [row.new for row in with_current.context["rows"] if row.changed] == [f"    {added}"]


def test_it_reverts_causes_steps_and_resources_with_fresh_search_words(curator, curator_user):
    entry = lti_entry()
    before = parts(entry)
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(curator.get(url))
    edit(
        curator,
        entry,
        **{
            "causes-0-steps_text": "Rewrite the whole request by hand with zanzibarquux headers.",
            "causes-1-DELETE": "on",
            "resources-0-DELETE": "on",
            "resources-1-title": "A renamed guide",
        },
    )
    entry.refresh_from_db()
    assert parts(entry) != before
    assert "zanzibarquux" in entry.content_tokens
    assert data["causes-0-steps_text"]

    original = versions(entry)[-1]
    response = curator.post(reverse("admin:errors_kb_entry_version_revert", args=[entry.pk, original.pk]))
    assert response.status_code == 302
    assert response["Location"] == url
    entry = lti_entry()
    assert parts(entry) == before
    assert "zanzibarquux" not in entry.content_tokens
    assert Entry.objects.filter(pk=entry.pk).refresh_search_data() == 0  # words already fresh
    latest = versions(entry)[0]
    assert latest.revision.get_comment().startswith("Reverted to the version of ")
    assert latest.revision.user == curator_user

    # The revert is a version too: going back to the edit works the same way.
    edited = versions(entry)[1]
    curator.post(reverse("admin:errors_kb_entry_version_revert", args=[entry.pk, edited.pk]))
    assert lti_entry().causes.count() == 1
    assert Resource.objects.filter(entry=entry, title="A renamed guide").exists()
    assert Step.objects.filter(cause__entry=entry).count() == 1


def test_it_keeps_votes_and_refuses_a_revert_that_would_take_another_entrys_slug(curator):
    entry = lti_entry()
    edit(curator, entry, slug="415-wrong-content-type")
    Entry.objects.filter(pk=entry.pk).update(helpful_count=7)
    other = Entry.objects.filter(vendor=entry.vendor).exclude(pk=entry.pk).first()
    Entry.objects.filter(pk=other.pk).update(slug="415-content-type-must-be-application-xml")

    original = versions(entry)[-1]
    response = curator.post(reverse("admin:errors_kb_entry_version_revert", args=[entry.pk, original.pk]), follow=True)
    assert "Could not revert" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.slug, entry.helpful_count) == ("415-wrong-content-type", 7)

    Entry.objects.filter(pk=other.pk).update(slug="somewhere-else")
    curator.post(reverse("admin:errors_kb_entry_version_revert", args=[entry.pk, original.pk]))
    entry.refresh_from_db()
    assert (entry.slug, entry.helpful_count) == ("415-content-type-must-be-application-xml", 7)
    assert "415-wrong-content-type" in entry.former_slugs  # links to the slug it had keep working


def test_it_records_a_change_made_outside_the_admin_before_the_next_edit(curator):
    entry = lti_entry()
    edit(curator, entry, notes="First note.")
    Entry.objects.filter(pk=entry.pk).update(error_code="IMPORTED")  # as an import writes
    edit(curator, entry, notes="Second note.")
    assert comments(entry) == [
        "Changed notes",
        "Changed outside the admin (an import or a script)",
        "Changed notes",
        "As it was before its first change in the admin",
    ]


def test_it_marks_an_entry_reviewed_and_shows_the_date_on_its_page(curator, client):
    entry = lti_entry()
    assert "Last reviewed" not in client.get(entry.get_absolute_url()).content.decode()

    response = run_action(curator, "mark_reviewed", entry, _from_change_form="1")
    assert response["Location"] == reverse("admin:errors_kb_entry_change", args=[entry.pk])
    entry.refresh_from_db()
    today = timezone.localdate()
    assert entry.reviewed_at == today
    assert comments(entry)[0] == "Marked reviewed"

    page = client.get(entry.get_absolute_url()).content.decode()
    assert f'Last reviewed <time datetime="{today.isoformat()}">' in page
    form = curator.get(reverse("admin:errors_kb_entry_change", args=[entry.pk])).content.decode()
    assert "Mark reviewed today" in form


def test_it_lists_entries_due_for_review(curator):
    today = timezone.localdate()
    entries = list(Entry.objects.filter(vendor__slug="lti-1-1").order_by("pk")[:3])
    long_ago, lately, never = entries
    Entry.objects.filter(vendor__slug="lti-1-1").update(reviewed_at=today)
    Entry.objects.filter(pk=long_ago.pk).update(reviewed_at=twelve_months_before(today) - datetime.timedelta(days=1))
    Entry.objects.filter(pk=lately.pk).update(reviewed_at=today - datetime.timedelta(days=30))
    Entry.objects.filter(pk=never.pk).update(reviewed_at=None)

    changelist = reverse("admin:errors_kb_entry_changelist")
    due = curator.get(changelist, {"review": "due", "vendor__id__exact": long_ago.vendor_id})
    assert {e.pk for e in due.context["cl"].result_list} == {long_ago.pk, never.pk}
    never_reviewed = curator.get(changelist, {"review": "never", "vendor__id__exact": long_ago.vendor_id})
    assert [e.pk for e in never_reviewed.context["cl"].result_list] == [never.pk]
    assert "Not reviewed for 12 months (or never)" in due.content.decode()


def test_it_counts_twelve_months_back_from_a_leap_day():
    assert twelve_months_before(datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)
    assert twelve_months_before(datetime.date(2026, 11, 23)) == datetime.date(2025, 11, 23)


def test_it_keeps_old_entry_links_after_a_rename_in_the_admin(curator, client):
    entry = lti_entry()
    old_url = entry.get_absolute_url()
    edit(curator, entry, slug="415-wrong-content-type")
    entry.refresh_from_db()
    assert entry.former_slugs == ["415-content-type-must-be-application-xml"]
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == reverse("entry_detail", args=["lti-1-1", "415-wrong-content-type"])

    # Taking the old slug back: it is the address again, and no longer redirects to itself.
    edit(curator, entry, slug="415-content-type-must-be-application-xml")
    entry.refresh_from_db()
    assert entry.former_slugs == ["415-wrong-content-type"]
    assert client.get(old_url).status_code == 200


def test_it_keeps_old_vendor_links_after_a_rename_in_the_admin(curator, client):
    entry = lti_entry()
    vendor_url = reverse("admin:errors_kb_vendor_change", args=[entry.vendor_id])
    data = change_form_data(curator.get(vendor_url))
    data["slug"] = "lti-one-one"
    assert curator.post(vendor_url, data).status_code == 302
    entry.vendor.refresh_from_db()
    assert "lti-1-1" in entry.vendor.former_slugs
    response = client.get(reverse("entry_detail", args=["lti-1-1", entry.slug]))
    assert response.status_code == 301
    assert response["Location"] == reverse("entry_detail", args=["lti-one-one", entry.slug])
    assert client.get(reverse("vendor_detail", args=["lti-1-1"]))["Location"] == reverse(
        "vendor_detail", args=["lti-one-one"]
    )


def test_it_refuses_a_slug_another_entry_of_the_vendor_had_before(curator):
    entry = lti_entry()
    other = Entry.objects.filter(vendor=entry.vendor).exclude(pk=entry.pk).first()
    Entry.objects.filter(pk=other.pk).update(former_slugs=["an-old-address"])
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(curator.get(url))
    data["slug"] = "an-old-address"
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "an-old-address" in response.context["adminform"].form.errors["slug"][0]
    entry.refresh_from_db()
    assert entry.slug == "415-content-type-must-be-application-xml"
