import pytest

pytestmark = pytest.mark.browser

SKYWARD_PASTE = (
    'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).\n'
    "Please ensure that your assignment categories match between Skyward and Canvas.\n"
    "Available grading categories are: Tests, Quizzes"
)


def paste(page, live_server, text):
    page.goto(live_server.url + "/")
    page.get_by_label("Error message").fill(text)
    page.get_by_role("button", name="Find the fix").click()


def test_it_takes_a_teacher_from_a_paste_to_the_fix(live_server, page, live_dictionary, screenshot):
    paste(page, live_server, SKYWARD_PASTE)
    best = page.get_by_role("article", name="Best match")
    assert best.get_by_role("heading", name="Grading Category Not Found").is_visible()
    assert "exact match · skyward" in best.inner_text().lower()
    steps = best.locator("ol.steps > li")
    assert steps.count() >= 1
    assert best.locator("mark.value", has_text="Homework").first.is_visible()
    assert page.get_by_label("Error message").input_value() == SKYWARD_PASTE
    screenshot(page, "paste-result-desktop")
    best.get_by_role("link", name="Grading Category Not Found").click()
    assert page.url == live_server.url + "/vendors/skyward/grading-category-not-found/"
    assert page.get_by_role("heading", level=1).inner_text() == "Grading Category Not Found"


def test_it_asks_which_sis_for_a_shared_message(live_server, page, live_dictionary):
    paste(page, live_server, "Assignment with app id 12345 cannot be created for section with app id blank")
    choice = page.get_by_role("heading", name="Which SIS does your school use?")
    assert choice.is_visible()
    page.get_by_role("link", name="PowerSchool").click()
    assert "vendor=powerschool" in page.url
    assert "PowerSchool" in page.get_by_role("article", name="Best match").inner_text()


def test_it_says_when_it_does_not_know(live_server, page, live_dictionary):
    paste(page, live_server, "The projector in room 12 does not turn on")
    assert page.get_by_role("heading", name="No confident match").is_visible()


def test_it_shows_hostile_text_as_text(live_server, page, live_dictionary):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    paste(page, live_server, '<img src=x onerror="alert(1)"><script>alert(2)</script>')
    assert dialogs == []
    assert "<script>alert(2)</script>" in page.get_by_label("Error message").input_value()


def test_it_explains_an_over_long_paste(live_server, page, live_dictionary):
    page.goto(live_server.url + "/?q=" + "x" * 20_500)
    assert "the search reads at most 20,000" in page.get_by_role("alert").inner_text()
