"""Who may do what: anonymous visitors, support agents (read-only admin, drafts and internal
notes on the site) and curators (edit, publish, revert); the groups' migration and the
create_account command."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from reversion.models import Version

from errors_kb.models import Entry, EntryStatus
from errors_kb.roles import CURATORS, SUPPORT_AGENTS
from tests.test_admin_workbench import change_form_data

PASSWORD = "a-long-test-password-4821"
roles_migration = importlib.import_module("errors_kb.migrations.0008_roles")


def make_account(monkeypatch, username: str, role: str) -> User:
    monkeypatch.setenv("ACCOUNT_PASSWORD", PASSWORD)
    call_command("create_account", username, "--role", role, "--noinput", stdout=StringIO())
    return User.objects.get(username=username)


@pytest.fixture
def agent(client, monkeypatch, dictionary):
    client.force_login(make_account(monkeypatch, "agent", "agent"))
    return client


@pytest.fixture
def curator(client, monkeypatch, dictionary):
    client.force_login(make_account(monkeypatch, "curator", "curator"))
    return client


def draft_with_notes() -> Entry:
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    Entry.objects.filter(pk=entry.pk).update(
        status=EntryStatus.DRAFT, internal_notes="Source calls it a Data Sync Job; IC says Kimono Job."
    )
    return Entry.objects.get(pk=entry.pk)


def entry_versions(entry: Entry) -> list[Version]:
    """Latest first."""
    return list(Version.objects.get_for_object(entry).select_related("revision"))


def group_codenames(name: str) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename"))


def test_it_creates_both_groups_by_migration_again_and_again_and_removes_them(db):
    Group.objects.filter(name__in=[CURATORS, SUPPORT_AGENTS]).delete()
    every = set(
        Permission.objects.filter(content_type__app_label__in=["errors_kb", "reversion"]).values_list(
            "content_type__app_label", "codename"
        )
    )
    with connection.schema_editor() as editor:
        roles_migration.create_groups(django_apps, editor)
        roles_migration.create_groups(django_apps, editor)
    assert Group.objects.filter(name=CURATORS).count() == 1
    assert group_codenames(CURATORS) == every
    assert ("errors_kb", "change_entry") in every
    assert ("reversion", "view_revision") in every
    assert group_codenames(SUPPORT_AGENTS) == {(app, code) for app, code in every if code.startswith("view_")}

    with connection.schema_editor() as editor:
        roles_migration.remove_groups(django_apps, editor)
    assert not Group.objects.filter(name__in=[CURATORS, SUPPORT_AGENTS]).exists()


def test_it_creates_accounts_with_a_role_and_a_good_password_only(monkeypatch, db):
    curator = make_account(monkeypatch, "casey", "curator")
    assert curator.is_staff and not curator.is_superuser
    assert curator.check_password(PASSWORD)
    assert [g.name for g in curator.groups.all()] == [CURATORS]
    assert curator.has_perm("errors_kb.change_entry") and curator.has_perm("reversion.change_revision")

    with pytest.raises(CommandError, match="exists already"):
        make_account(monkeypatch, "casey", "agent")
    monkeypatch.setenv("ACCOUNT_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_account", "sam", "--role", "agent", "--noinput", stdout=StringIO())
    assert not User.objects.filter(username="sam").exists()


def test_it_shows_anonymous_visitors_published_entries_and_no_draft(client, dictionary):
    entry = draft_with_notes()
    published = Entry.objects.published().exclude(pk=entry.pk).select_related("vendor").first()
    assert client.get(published.get_absolute_url()).status_code == 200
    assert client.get(entry.get_absolute_url()).status_code == 404

    Entry.objects.filter(pk=entry.pk).update(former_slugs=["old-grading-category"])
    old_url = reverse("entry_detail", args=["skyward", "old-grading-category"])
    assert client.get(old_url).status_code == 404


def test_it_hides_drafts_from_accounts_that_are_not_staff_with_view_permission(client, dictionary):
    entry = draft_with_notes()
    no_perms = User.objects.create_user("staff-without-perms", password=PASSWORD, is_staff=True)
    client.force_login(no_perms)
    assert client.get(entry.get_absolute_url()).status_code == 404

    not_staff = User.objects.create_user("reader", password=PASSWORD)
    not_staff.user_permissions.add(Permission.objects.get(codename="view_entry"))
    client.force_login(not_staff)
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_it_shows_a_support_agent_a_draft_and_its_internal_notes(agent):
    entry = draft_with_notes()
    response = agent.get(entry.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Draft: not public." in page
    assert "IC says Kimono Job." in page
    assert "Edit or publish it in the admin" not in page
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_it_gives_a_support_agent_a_read_only_admin(agent):
    entry = draft_with_notes()
    change_url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    changelist = agent.get(reverse("admin:errors_kb_entry_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["action_form"] is None  # no publish, draft, reviewed or delete action

    form = agent.get(change_url)
    assert form.status_code == 200
    assert form.context["has_change_permission"] is False
    assert 'name="_save"' not in form.content.decode()
    assert 'name="title"' not in form.content.decode()

    assert agent.post(change_url, {"title": "Agent was here"}).status_code == 403
    published = agent.post(
        reverse("admin:errors_kb_entry_changelist"), {"action": "publish", "_selected_action": [entry.pk]}
    )
    assert published.status_code in (200, 302)
    entry.refresh_from_db()
    assert (entry.title, entry.status) == ("Grading Category Not Found", EntryStatus.DRAFT)
    assert agent.get(reverse("admin:errors_kb_entry_history", args=[entry.pk])).status_code == 200
    assert agent.get(reverse("admin:errors_kb_vendor_change", args=[entry.vendor_id])).status_code == 200
    assert agent.post(reverse("admin:errors_kb_vendor_change", args=[entry.vendor_id]), {}).status_code == 403
    assert agent.get(reverse("admin:errors_kb_entry_add")).status_code == 403


def test_it_lets_a_curator_edit_publish_and_revert(curator):
    entry = draft_with_notes()
    change_url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = change_form_data(curator.get(change_url))
    data["title"] = "Grading Category Not Found in Skyward"
    assert curator.post(change_url, data).status_code == 302

    response = curator.post(
        reverse("admin:errors_kb_entry_changelist"), {"action": "publish", "_selected_action": [entry.pk]}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.status) == ("Grading Category Not Found in Skyward", EntryStatus.PUBLISHED)

    page = curator.get(entry.get_absolute_url())
    assert "Draft: not public." not in page.content.decode()

    first = entry_versions(entry)[-1]  # the entry as loaded, before the curator's change
    revert = curator.post(reverse("admin:errors_kb_entry_version_revert", args=[entry.pk, first.pk]))
    assert revert.status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.status) == ("Grading Category Not Found", EntryStatus.DRAFT)


def test_it_offers_a_draft_in_the_admin_with_a_view_on_site_link_that_works(curator):
    entry = draft_with_notes()
    form = curator.get(reverse("admin:errors_kb_entry_change", args=[entry.pk]))
    view_on_site = reverse("admin:view_on_site", args=[form.context["content_type_id"], entry.pk])
    assert view_on_site in form.content.decode()
    page = curator.get(view_on_site, follow=True)
    assert page.status_code == 200
    assert "Draft: not public." in page.content.decode()
    assert "Edit or publish it in the admin" in page.content.decode()


def test_it_hides_drafts_and_internal_notes_from_staff_without_the_second_factor(agent, settings):
    draft = draft_with_notes()
    published = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    with_notes = Entry.objects.published().exclude(pk=published.pk).first()
    Entry.objects.filter(pk=with_notes.pk).update(internal_notes="Curators only: checked with the vendor.")
    settings.ADMIN_REQUIRE_2FA = True
    # Signed in with a password only: the admin would ask for the code, so the site shows
    # what an anonymous visitor sees.
    assert agent.get(draft.get_absolute_url()).status_code == 404
    assert "Curators only" not in agent.get(with_notes.get_absolute_url()).content.decode()
    settings.ADMIN_REQUIRE_2FA = False
    assert "Curators only" in agent.get(with_notes.get_absolute_url()).content.decode()
