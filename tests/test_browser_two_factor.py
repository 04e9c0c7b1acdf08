"""A staff member sets up the TOTP second factor in the browser, and the page meets WCAG 2.1 AA."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.test_admin_signin import PASSWORD, rfc6238
from tests.test_browser_accessibility import WIDTHS, violations

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_account(transactional_db, settings):
    settings.ADMIN_REQUIRE_2FA = True
    return get_user_model().objects.create_user(
        "casey", "casey@example.org", PASSWORD, is_staff=True, is_superuser=True
    )


def wrong_code(secret: str) -> str:
    return "000000" if rfc6238(secret) != "000000" else "111111"


def sign_in(page, live_server) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("casey")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_it_enrols_an_authenticator_and_lets_staff_in(live_server, page, staff_account):
    sign_in(page, live_server)
    assert "/two-factor/" in page.url
    assert page.get_by_role("img", name="QR code of the key below").is_visible()
    secret = page.locator("#totp-secret").inner_text().strip()

    page.get_by_label("Six-digit code").fill(wrong_code(secret))
    page.get_by_role("button", name="Verify").click()
    assert "/two-factor/" in page.url
    assert page.locator("#token-error").is_visible()

    # django-otp throttles a device after a wrong code: wait it out, then use the right one.
    page.wait_for_timeout(1100)
    page.get_by_label("Six-digit code").fill(rfc6238(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Site administration").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_enrolment_page_has_no_axe_violation(live_server, browser, staff_account, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    sign_in(page, live_server)
    assert "/two-factor/" in page.url
    found = violations(page)
    page.get_by_label("Six-digit code").fill(wrong_code(page.locator("#totp-secret").inner_text().strip()))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    found += violations(page)  # with the error shown
    context.close()
    assert found == []
