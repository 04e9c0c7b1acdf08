"""A developer pastes a broken LTI 1.1 outcome request, sees why Canvas refuses it, and follows the
link to the entry and cause that explain it; the page also works without JavaScript."""

import pytest

from tests.lti11_signing import LAUNCH_URL, SECRET, THREAD_REQUEST, outcome_xml, raw_request, sign
from tests.pages import submit_lti11_check

pytestmark = pytest.mark.browser


def test_it_takes_a_developer_from_a_broken_request_to_the_explaining_cause(
    live_server, page, live_dictionary, screenshot
):
    submit_lti11_check(page, live_server.url, {"request": THREAD_REQUEST.read_text(), "url": "", "secret": ""})
    assert page.get_by_role("heading", name="4 of 13 checks failed").is_visible()
    encoding = page.locator("#check-auth_header_encoding")
    assert encoding.locator(".check-status").inner_text().lower() == "fail"
    assert "ZiKbzAr8iYsoaUvEFKVV8t1tSrLnhfL6: oauth_signature" in encoding.inner_text()
    screenshot(page, "lti11-check-thread-desktop")
    encoding.get_by_role(
        "link", name="Why Canvas refuses it: 401 Invalid authorization header on LTI 1.1 grade passback, cause 3"
    ).click()
    page.wait_for_load_state("load")
    assert page.url == live_server.url + "/vendors/lti-1-1/401-invalid-authorization-header/#cause-3"
    target = page.locator("section.cause:target")
    assert target.get_by_role("heading", name="Cause 3: what it means").is_visible()
    assert "Authorization header values not percent-encoded" in target.inner_text()


def test_it_checks_the_signature_with_a_secret_that_never_reaches_the_url(live_server, page, live_dictionary):
    body = outcome_xml()
    submit_lti11_check(
        page,
        live_server.url,
        {"request": raw_request(body, sign(body, secret="an-old-secret")), "url": LAUNCH_URL, "secret": SECRET},
    )
    assert page.get_by_role("heading", name="1 of 13 checks failed").is_visible()
    assert page.locator("#check-signature .check-status").inner_text().lower() == "fail"
    assert page.url == live_server.url + "/tools/lti11-outcome-check/"
    assert page.get_by_label("Consumer secret (optional)").input_value() == ""
    assert SECRET not in page.content()
    assert page.get_by_label("lis_outcome_service_url from the launch (optional)").input_value() == LAUNCH_URL


def test_it_works_without_javascript(live_server, browser, live_dictionary):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    body = outcome_xml()
    submit_lti11_check(
        page, live_server.url, {"request": raw_request(body, sign(body)), "url": LAUNCH_URL, "secret": SECRET}
    )
    assert page.get_by_role("heading", name="No rule failed").is_visible()
    assert page.locator(".check.pass").count() == 13
    context.close()
