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
    best = page.locator("article.best")
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
    page.get_by_role("button", name="PowerSchool").click()
    assert page.url == live_server.url + "/"
    assert "exact match · powerschool" in page.locator("article.best").inner_text().lower()


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


def test_it_keeps_the_paste_out_of_the_url_and_focuses_the_answer(live_server, page, live_dictionary):
    paste(page, live_server, SKYWARD_PASTE)
    assert page.url == live_server.url + "/"
    assert "Homework" not in page.url
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Grading Category Not Found"


def test_it_offers_the_list_of_a_bare_http_status(live_server, page, live_dictionary):
    paste(page, live_server, "409")
    link = page.get_by_role("link", name="Entries with HTTP 409")
    link.click()
    assert page.url == live_server.url + "/entries/?http_status=409"
    assert page.get_by_role("table").is_visible()


def test_it_submits_with_ctrl_enter(live_server, page, live_dictionary):
    page.goto(live_server.url + "/")
    box = page.get_by_label("Error message")
    assert page.evaluate("document.activeElement.id") == "paste"
    box.fill(SKYWARD_PASTE)
    box.press("Control+Enter")
    page.locator("article.best").wait_for()
    assert "Grading Category Not Found" in page.locator("article.best").inner_text()


THREE_ERRORS = """Sync to SIS finished with errors:
Quiz 3: Student 448120 was not enrolled in Section for Assignment 77120
Quiz 4: Student 448121 was not enrolled in Section for Assignment 77121
Essay: Assignment 55012.000231 is marked as deleted.
Warm-up: Not a valid Score (12). Must be 0 to double Max Score (5).
"""


def test_it_shows_one_card_per_error_in_order_with_counts(live_server, page, live_dictionary, screenshot):
    paste(page, live_server, THREE_ERRORS)
    cards = page.locator("article.best")
    assert cards.count() == 3
    titles = [cards.nth(i).locator("h2").inner_text() for i in range(3)]
    assert titles == ["Student Not Enrolled", "Assignment Marked As Deleted", "Not a Valid Score"]
    assert "2 times in your paste" in cards.nth(0).inner_text().lower()
    assert "times in your paste" not in cards.nth(1).inner_text().lower()
    assert "holds 3 different errors" in page.locator("#errors-summary").inner_text()
    screenshot(page, "paste-three-errors")


def test_it_asks_which_system_sent_a_generic_message(live_server, page, live_dictionary):
    paste(page, live_server, "Internal Server Error")
    assert page.get_by_role("heading", name="Which system sent it?").is_visible()
    assert page.get_by_role("link", name="None of these").is_visible()
    page.get_by_role("button", name="Synergy").click()
    assert page.url == live_server.url + "/"
    assert "synergy" in page.locator("article.best").inner_text().lower()


def test_it_answers_the_home_page_example_exactly(live_server, page, live_dictionary):
    page.goto(live_server.url + "/")
    example = page.get_by_label("Error message").get_attribute("placeholder").removeprefix("e.g. ")
    paste(page, live_server, example)
    best = page.locator("article.best")
    assert "exact match" in best.locator(".kicker").inner_text().lower()
    assert best.get_by_role("heading", name="Grading Category Not Found").is_visible()
    assert best.locator("mark.value", has_text="Homework").first.is_visible()
