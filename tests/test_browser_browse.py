import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_an_agent_browses_from_vendors_to_an_entry_and_filters_by_status(
    live_server, page, live_dictionary, screenshot
):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vendors").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vendors"
    screenshot(page, "vendors-desktop")

    page.get_by_role("link", name="Skyward", exact=True).click()
    page.get_by_role("link", name="Grading Category Not Found").click()
    assert page.url == live_server.url + "/vendors/skyward/grading-category-not-found/"
    steps = page.locator("ol.steps > li")
    assert steps.count() >= 2
    assert page.get_by_role("heading", name="The same problem in other SIS").is_visible()
    related = page.get_by_role("region", name="The same problem in other SIS").get_by_role("link")
    assert related.count() >= 1
    screenshot(page, "entry-desktop")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Browse").click()
    page.get_by_label("HTTP status").select_option("409")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/entries/?*http_status=409*")
    page.locator("table tbody tr").first.wait_for()
    vendors = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
    assert vendors and set(vendors) == {"PowerSchool"}
    screenshot(page, "entries-409-desktop")


@pytest.mark.parametrize(
    "path,name",
    [
        ("/vendors/", "vendors"),
        ("/vendors/skyward/grading-category-not-found/", "entry"),
        ("/entries/?http_status=409", "entries-409"),
    ],
)
def test_pages_fit_a_phone(live_server, browser, live_dictionary, screenshot, path, name):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    screenshot(page, f"{name}-phone")
    context.close()


def test_every_control_is_labelled_and_reachable_by_keyboard(live_server, page, live_dictionary):
    page.goto(live_server.url + "/entries/")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length))
              .map(el => el.name)"""
    )
    assert unlabelled == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Grade Passback Error Portal"


def test_the_entry_prints_without_navigation(live_server, page, live_dictionary):
    page.goto(live_server.url + "/vendors/skyward/grading-category-not-found/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Copy link").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
