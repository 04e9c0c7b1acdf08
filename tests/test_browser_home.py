import pytest

pytestmark = pytest.mark.browser


def test_it_shows_the_paste_box(live_server, page, transactional_db):
    page.goto(live_server.url + "/")
    box = page.get_by_label("Error message")
    assert box.is_visible()
    assert page.get_by_role("button", name="Find the fix").is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert [link.inner_text() for link in nav.get_by_role("link").all()] == [
        "Search",
        "Vendors",
        "Browse",
        "Triage",
        "LTI check",
    ]
    assert "Grade Passback Error Portal" in page.title()
