"""In the browser: a curator makes an entry of a search gap and the original paste then
finds it; a reader answers "Did this fix it?" on an entry page, which stays accessible."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.urls import reverse

from errors_kb.models import Entry, Feedback, SearchGap

pytestmark = pytest.mark.browser

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASTE = (
    'Quarter lock active: student "Maribel Quintanilla" (ID 48151623) cannot receive late marks in Skyward gradebook 7B'
)
MASKED = "Quarter lock active: student [student name] (ID [id]) cannot receive late marks in Skyward gradebook [id]"


def search_for(page, live_server, text: str, vendor: str = "") -> None:
    page.goto(live_server.url + reverse("home"))
    page.get_by_label("Error message").fill(text)
    if vendor:
        page.get_by_label("Your SIS (optional)").select_option(label=vendor)
    page.get_by_role("button", name="Find the fix").click()
    page.wait_for_load_state()


def log_in(page, live_server) -> None:
    User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()


def violations(page) -> list[str]:
    results = Axe().run(page, options=RULES)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


def test_it_turns_a_search_gap_into_an_entry_the_original_paste_finds(live_server, page, live_dictionary):
    search_for(page, live_server, PASTE, vendor="Skyward")
    assert page.get_by_role("heading", name="No confident match").is_visible()
    assert list(SearchGap.objects.values_list("masked_text", "vendor__slug")) == [(MASKED, "skyward")]

    log_in(page, live_server)
    page.goto(live_server.url + reverse("admin:errors_kb_searchgap_changelist"))
    row = page.locator("#result_list tbody tr", has_text=MASKED)
    row.get_by_role("link", name="Create entry from this").click()
    assert page.locator("#id_message").input_value() == MASKED
    assert page.locator("#id_vendor option:checked").inner_text() == "Skyward"
    page.locator("#id_title").fill("Quarter Lock Blocks Late Marks")
    page.locator("#id_status").select_option("published")
    page.locator("textarea[name='causes-0-meaning']").fill("The grading quarter is locked in Skyward.")
    page.locator("textarea[name='causes-0-steps_text']").fill("Ask the registrar to reopen the quarter.")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    created = Entry.objects.get(title="Quarter Lock Blocks Late Marks")

    search_for(page, live_server, PASTE)
    best = page.locator("article.best").first
    assert best.get_by_role("heading", level=2).inner_text() == created.title
    assert "exact match · skyward" in best.inner_text().lower()
    assert best.locator("mark.value", has_text="Maribel Quintanilla").is_visible()


def test_it_takes_a_vote_on_an_entry_page_without_script(live_server, browser, live_dictionary):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    page.goto(live_server.url + entry.get_absolute_url())
    form = page.get_by_role("group", name="Did this fix it?")
    form.get_by_label("If not, what was wrong? (optional)").fill('Student "Ana Ruiz" 88812 still fails')
    form.get_by_role("button", name="No").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}{entry.get_absolute_url()}#vote-{entry.pk}"
    assert page.get_by_role("status").filter(has_text="Thank you").is_visible()
    assert page.get_by_role("group", name="Did this fix it?").count() == 0
    context.close()
    entry.refresh_from_db()
    assert entry.not_helpful_count == 1
    assert Feedback.objects.get().comment == "Student [student name] [id] still fails"


def test_it_keeps_the_entry_page_with_the_vote_form_accessible_before_and_after(live_server, page, live_dictionary):
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    page.goto(live_server.url + entry.get_absolute_url())
    assert page.get_by_role("group", name="Did this fix it?").is_visible()
    assert violations(page) == []
    yes = page.get_by_role("button", name="Yes")
    yes.focus()
    assert page.evaluate("document.activeElement.value") == "yes"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").filter(has_text="glad it helped").is_visible()
    assert violations(page) == []
    entry.refresh_from_db()
    assert entry.helpful_count == 1
