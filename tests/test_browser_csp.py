"""Every page a reader or a curator opens runs under the strict Content-Security-Policy
without a single violation: no inline script, style or handler anywhere (README "Security
headers"). The `page` fixture (tests/conftest.py) fails any browser test that meets one; this
test makes sure every page is visited at least once, the admin pages curators use included."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from reversion.models import Version

from errors_kb.models import Entry, EntryStatus, Feedback, SearchGap, Vendor
from tests.pages import LTI11_REQUESTS, PUBLIC_PAGES, RESULT_PASTES, lti11_request, submit_lti11_check
from tests.test_security_headers import CSP, directives

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password-4821"


def visit(page, url: str, seen: dict) -> None:
    response = page.goto(url)
    page.wait_for_load_state("load")
    seen[url] = response.headers.get("content-security-policy", f"none on a {response.status}")


def test_every_public_page_and_result_runs_without_a_csp_violation(live_server, page, live_dictionary):
    seen = {}
    for path in PUBLIC_PAGES:
        visit(page, live_server.url + path, seen)
    for text in RESULT_PASTES:
        page.goto(live_server.url + "/")
        page.get_by_label("Error message").fill(text)
        page.get_by_role("button", name="Find the fix").click()
        page.wait_for_load_state("load")
        seen[text[:30]] = "searched"
    # The paste box's Ctrl+Enter and the copy-link button run from static/js/portal.js.
    page.goto(live_server.url + "/")
    page.get_by_label("Error message").fill("409")
    page.get_by_label("Error message").press("Control+Enter")
    page.wait_for_load_state("load")
    missing = {path: seen[live_server.url + path] for path in PUBLIC_PAGES}
    assert {path: policy for path, policy in missing.items() if directives(policy) != CSP} == {}
    # The fixture's teardown fails the test on any violation it saw.


def test_every_kind_of_lti11_check_result_runs_without_a_csp_violation(live_server, page, live_dictionary):
    for kind in LTI11_REQUESTS:
        submit_lti11_check(page, live_server.url, lti11_request(kind))
        assert page.get_by_role("heading", level=1).inner_text() == "LTI 1.1 outcome request checker"
    # The fixture's teardown fails the test on any violation it saw.


def test_every_admin_page_a_curator_uses_runs_without_a_csp_violation(live_server, page, live_dictionary):
    User.objects.create_superuser("curator", "curator@example.org", PASSWORD)
    visit(page, live_server.url + reverse("admin:login"), {})
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + reverse("admin:index"))

    entry = Entry.objects.select_related("vendor").get(vendor__slug="skyward", slug="grading-category-not-found")
    SearchGap.objects.create(masked_text="Quarter lock active for gradebook [id]")
    Feedback.objects.create(entry=entry, helpful=False, comment="Still failing for [id]")

    # The change form, saved once so the history has a version to diff.
    seen = {}
    visit(page, live_server.url + reverse("admin:errors_kb_entry_change", args=[entry.pk]), seen)
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state("load")
    version = Version.objects.get_for_object(entry).first()
    assert version is not None

    gap = SearchGap.objects.get()
    feedback = Feedback.objects.get(comment="Still failing for [id]")
    vendor = Vendor.objects.get(slug="skyward")
    urls = [
        reverse("admin:index"),
        reverse("admin:errors_kb_entry_changelist"),
        reverse("admin:errors_kb_entry_changelist") + f"?vendor__id__exact={vendor.pk}&q=grading+category",
        reverse("admin:errors_kb_entry_add"),
        reverse("admin:errors_kb_entry_history", args=[entry.pk]),
        reverse("admin:errors_kb_entry_version_diff", args=[entry.pk, version.pk]),
        reverse("admin:errors_kb_entry_import"),
        reverse("admin:errors_kb_entry_test_paste", args=[entry.pk]),
        reverse("admin:errors_kb_searchgap_changelist"),
        reverse("admin:errors_kb_searchgap_change", args=[gap.pk]),
        reverse("admin:errors_kb_feedback_changelist"),
        reverse("admin:errors_kb_feedback_change", args=[feedback.pk]),
        reverse("admin:errors_kb_vendor_changelist"),
        reverse("admin:errors_kb_vendor_change", args=[vendor.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:password_change"),
    ]
    for url in urls:
        visit(page, live_server.url + url, seen)

    # Test a paste, submitted; the entry list's action bar; a draft entry as staff see it.
    page.goto(live_server.url + reverse("admin:errors_kb_entry_test_paste", args=[entry.pk]))
    page.get_by_label("Pasted error").fill(entry.message)
    page.locator("#content-main form [type=submit]").first.click()
    page.wait_for_load_state("load")
    page.goto(live_server.url + reverse("admin:errors_kb_entry_changelist"))
    page.locator("#result_list tbody input.action-select").first.check()
    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.DRAFT)
    visit(page, live_server.url + entry.get_absolute_url(), seen)
    assert "draft" in page.locator("main").inner_text().lower()

    assert {url: policy for url, policy in seen.items() if directives(policy) != CSP} == {}
