import pytest
from django.contrib.auth.models import User

from errors_kb.models import Entry

pytestmark = pytest.mark.browser


def log_in(page, live_server):
    User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()


def test_it_edits_an_entry_with_its_causes_and_ordered_steps(live_server, page, live_dictionary):
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/errors_kb/entry/{entry.pk}/change/")

    steps_box = page.locator("textarea[name='causes-0-steps_text']")
    original = steps_box.input_value().splitlines()
    assert len(original) == entry.causes.first().steps.count()
    steps_box.fill(
        "\n".join([original[0], "    Open the course settings first.", *original[1:], "Tell the teacher it is fixed."])
    )
    page.locator("textarea[name='causes-0-meaning']").fill("Assignment group names differ from Skyward categories.")
    page.get_by_role("button", name="Save", exact=True).click()

    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    cause = entry.causes.first()
    assert cause.meaning == "Assignment group names differ from Skyward categories."
    top = list(cause.steps.filter(parent=None).order_by("position"))
    assert [s.text for s in top] == [*original, "Tell the teacher it is fixed."]
    assert [c.text for c in top[0].children.all()] == ["Open the course settings first."]

    page.goto(f"{live_server.url}/admin/errors_kb/entry/{entry.pk}/change/")
    assert "    Open the course settings first." in steps_box.input_value()


def test_it_finds_entries_by_search_and_filter(live_server, page, live_dictionary):
    skyward = Entry.objects.filter(vendor__slug="skyward").values_list("vendor_id", flat=True).first()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/errors_kb/entry/?vendor__id__exact={skyward}&q=grading+category")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 1
    assert all("Skyward" in row.inner_text() for row in rows.all())
