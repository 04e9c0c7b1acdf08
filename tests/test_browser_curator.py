"""A curator and a support agent at work in a real browser: edit steps, read the diff in the
history, revert; rename a slug and follow the old link; open a draft on the site."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from errors_kb.models import Entry, EntryStatus
from tests.test_browser_accessibility import WIDTHS, violations

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password-4821"
NEW_STEP = "Set the header to Content-Type: application/xml and send the request again."


def sign_in(page, live_server, monkeypatch, username: str, role: str) -> None:
    monkeypatch.setenv("ACCOUNT_PASSWORD", PASSWORD)
    call_command("create_account", username, "--role", role, "--noinput", stdout=StringIO())
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + reverse("admin:index"))


def lti_entry() -> Entry:
    return Entry.objects.select_related("vendor").get(
        vendor__slug="lti-1-1", slug="415-content-type-must-be-application-xml"
    )


def step_texts(entry: Entry) -> list[list[str]]:
    return [[step.text for step in cause.steps.order_by("parent_id", "position")] for cause in entry.causes.all()]


def draft_with_notes() -> Entry:
    entry = lti_entry()
    Entry.objects.filter(pk=entry.pk).update(
        status=EntryStatus.DRAFT, internal_notes="The 2018 thread predates the 415 answer."
    )
    return lti_entry()


def test_it_lets_a_curator_edit_steps_read_the_diff_and_revert(
    live_server, page, live_dictionary, monkeypatch, screenshot
):
    entry = lti_entry()
    before = step_texts(entry)
    resources = list(entry.resources.values_list("title", flat=True))
    sign_in(page, live_server, monkeypatch, "casey", "curator")

    page.goto(live_server.url + reverse("admin:errors_kb_entry_change", args=[entry.pk]))
    steps_box = page.locator("textarea[name='causes-0-steps_text']")
    old_steps = steps_box.input_value().splitlines()
    steps_box.fill("\n".join([*old_steps[:-1], NEW_STEP]))
    page.get_by_role("button", name="Save and continue editing").click()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    assert step_texts(lti_entry())[0][-1] == NEW_STEP

    page.get_by_role("link", name="History").click()
    rows = page.locator("#change-history tbody tr")
    assert rows.count() == 2
    assert "Changed steps of cause 1" in rows.first.inner_text()
    assert "casey" in rows.first.inner_text()
    screenshot(page, "curator-entry-history")
    rows.first.get_by_role("link", name="with the version before").click()
    assert NEW_STEP in page.locator("table.version-diff ins").inner_text()
    assert old_steps[-1].strip() in page.locator("table.version-diff del").inner_text()
    screenshot(page, "curator-version-diff")

    page.go_back()
    rows.last.get_by_role("link", name="with the version before").click()  # the entry as loaded
    page.get_by_role("button", name="Revert to this version").click()
    assert "is back to the version of" in page.locator(".messagelist").inner_text()
    assert step_texts(lti_entry()) == before
    assert list(lti_entry().resources.values_list("title", flat=True)) == resources

    page.goto(live_server.url + entry.get_absolute_url())
    assert NEW_STEP not in page.locator("article").inner_text()
    assert " ".join(old_steps[-1].split()) in page.locator("article").inner_text()


def test_it_follows_an_old_link_to_a_renamed_entry(live_server, page, live_dictionary, monkeypatch):
    entry = lti_entry()
    old_url = live_server.url + entry.get_absolute_url()
    sign_in(page, live_server, monkeypatch, "casey", "curator")
    page.goto(live_server.url + reverse("admin:errors_kb_entry_change", args=[entry.pk]))
    page.locator("input[name='slug']").fill("415-wrong-content-type")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    page.goto(old_url)
    assert page.url == live_server.url + reverse("entry_detail", args=["lti-1-1", "415-wrong-content-type"])
    assert page.get_by_role("heading", level=1).inner_text() == entry.title


def test_it_shows_a_support_agent_a_draft_and_internal_notes_but_no_way_to_edit(
    live_server, page, live_dictionary, monkeypatch, screenshot
):
    entry = draft_with_notes()
    page.goto(live_server.url + entry.get_absolute_url())
    assert page.get_by_role("heading", name="Page not found").count() == 1

    sign_in(page, live_server, monkeypatch, "sam", "agent")
    page.goto(live_server.url + entry.get_absolute_url())
    assert "Draft: not public." in page.locator(".draft-banner").inner_text()
    assert page.get_by_role("link", name="Edit or publish it in the admin").count() == 0
    assert "predates the 415 answer" in page.get_by_label("Internal note for staff").inner_text()
    assert violations(page) == []
    screenshot(page, "support-agent-draft-entry")

    page.goto(live_server.url + reverse("admin:errors_kb_entry_change", args=[entry.pk]))
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    assert page.locator("textarea, input[name='title']").count() == 0
    assert entry.title in page.locator("#content-main").inner_text()


def test_it_shows_a_curator_a_draft_with_its_admin_link_and_no_axe_violation(
    live_server, browser, live_dictionary, monkeypatch
):
    entry = draft_with_notes()
    found = {}
    for width, viewport in WIDTHS.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, live_server, monkeypatch, f"casey-{width}", "curator")
        page.goto(live_server.url + entry.get_absolute_url())
        page.get_by_role("link", name="Edit or publish it in the admin").wait_for()
        found[width] = violations(page)
        context.close()
    assert found == {"desktop": [], "phone": []}
