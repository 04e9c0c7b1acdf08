"""Every public page meets WCAG 2.1 AA as axe-core checks it, at desktop and phone widths,
result pages of each kind included."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.pages import LTI11_REQUESTS, PUBLIC_PAGES, RESULT_PASTES, lti11_request, submit_lti11_check

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page) -> list[str]:
    results = Axe().run(page, options=RULES)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_public_page_has_no_axe_violation(live_server, browser, live_dictionary, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        found[path] = violations(page)
    context.close()
    assert {path: v for path, v in found.items() if v} == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_kind_of_result_page_has_no_axe_violation(live_server, browser, live_dictionary, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    found = {}
    for text in [*RESULT_PASTES, ""]:
        page.goto(live_server.url + "/")
        page.get_by_label("Error message").fill(text)
        page.get_by_label("Error message").evaluate("box => box.removeAttribute('required')")
        page.get_by_role("button", name="Find the fix").click()
        page.wait_for_load_state()
        found[text[:40]] = violations(page)
    context.close()
    assert {text: v for text, v in found.items() if v} == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_kind_of_lti11_check_result_has_no_axe_violation(live_server, browser, live_dictionary, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    found = {}
    for kind in LTI11_REQUESTS:
        submit_lti11_check(page, live_server.url, lti11_request(kind))
        found[kind] = violations(page)
    context.close()
    assert {kind: v for kind, v in found.items() if v} == {}
