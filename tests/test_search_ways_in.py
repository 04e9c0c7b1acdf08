"""/api/search for the ways people really arrive: own words, first lines, bare codes, a bare
status or vendor name, generic messages, a wrong SIS picked, several errors in one paste.
The pastes are written by hand here, not made from the matcher's grammar."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("dictionary")


def ask(client, q, vendor=None, method="get"):
    params = {"q": q, **({"vendor": vendor} if vendor else {})}
    response = getattr(client, method)(reverse("api_search"), params)
    assert response.status_code == 200, response.content
    return response.json()


def top(body):
    return (body["results"][0]["vendor_slug"], body["results"][0]["title"]) if body["results"] else None


@pytest.mark.parametrize(
    ("q", "vendor_slug", "title_words"),
    [
        ("skyward assignment group doesnt match grading category", "skyward", "Grading Category"),
        ("aspen no grade scale for the category", "aspen", "Gradebook Column Type"),
        ("powerschool teacher category is inactive", "powerschool", "not active"),
        ("synergy assignment is locked cant sync grades", "synergy", "Assignment Locked"),
        ("SKYWARD student not enrolled in the section", "skyward", "Not Enrolled"),
    ],
)
def test_it_answers_own_words_that_name_the_sis(client, q, vendor_slug, title_words):
    body = ask(client, q)
    assert body["detected_vendor"] == vendor_slug
    assert body["results"][0]["vendor_slug"] == vendor_slug
    best = body["results"][0]
    assert title_words.lower() in (best["title"] + " " + best["message"]).lower()


def test_it_answers_the_home_page_example_confidently(client):
    body = ask(client, 'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).')
    assert body["confident"] is True
    assert top(body) == ("skyward", "Grading Category Not Found")


def test_it_answers_another_first_line_confidently(client):
    body = ask(client, 'Grading category "Projects" not found in Skyward for section 2201.1.002 (BIO).')
    assert body["confident"] is True
    assert top(body) == ("skyward", "Grading Category Not Found")


@pytest.mark.parametrize(
    ("code", "vendor_slug"),
    [
        ("RESTEASY003210", "aspen"),
        ("TeacherCategoryID", "powerschool"),
        ("EXCHANGE_ERROR_EXCEEDED_RETRIES", "powerschool"),
    ],
)
def test_it_finds_an_entry_by_a_bare_code(client, code, vendor_slug):
    body = ask(client, code)
    assert body["results"], code
    assert body["results"][0]["vendor_slug"] == vendor_slug
    assert code.lower() in body["results"][0]["message"].lower()


def test_it_answers_a_bare_status_with_the_filtered_list(client):
    body = ask(client, "409")
    assert body["confident"] is False
    assert {"label": "Entries with HTTP 409", "url": "/entries/?http_status=409"} in body["browse"]


def test_it_answers_a_bare_vendor_name_with_its_page(client):
    body = ask(client, "skyward")
    assert body["confident"] is False
    assert {"label": "All Skyward entries", "url": "/vendors/skyward/"} in body["browse"]


def test_it_never_leaves_a_dead_end(client):
    body = ask(client, "the printer on the second floor jams every morning")
    assert body["confident"] is False
    assert {"label": "Browse all entries", "url": "/entries/"} in body["browse"]


@pytest.mark.parametrize(
    "q",
    [
        "Internal Server Error",
        "HTTP/1.1 500 Internal Server Error",
        "401 Unauthorized",
        "Bad Request",
        "422 Unprocessable Entity",
        "Object reference not set to an instance of an object.",
        "The request is invalid.",
    ],
)
def test_it_is_never_confident_about_a_generic_message_alone(client, q):
    body = ask(client, q)
    assert body["confident"] is False
    assert body["errors"][0]["confident"] is False


def test_it_asks_which_system_sent_a_generic_message(client):
    body = ask(client, "Internal Server Error")
    assert body["generic"] is True
    assert {r["vendor_slug"] for r in body["results"][:2]} == {"aeries", "synergy"}


def test_it_lets_a_vendor_named_or_picked_decide_a_generic_message(client):
    assert top(ask(client, "Internal Server Error", vendor="synergy")) == ("synergy", "Internal Server Error")
    named = ask(client, "Aeries sync: Internal Server Error")
    assert named["confident"] is True
    assert top(named) == ("aeries", "Internal Server Error")


def test_it_says_when_the_message_comes_from_another_sis(client):
    body = ask(client, "Student 5521870 was not enrolled in Section for Assignment 90417", vendor="powerschool")
    assert top(body)[0] == "skyward"
    assert body["confident"] is True
    assert body["wrong_vendor_hint"] == "skyward"


def test_it_keeps_the_picked_sis_when_it_has_the_message(client):
    body = ask(client, "Internal Server Error", vendor="aeries")
    assert top(body)[0] == "aeries"
    assert body["wrong_vendor_hint"] is None


REPORT = """Sync to SIS finished with 4 errors
- Unit 2 Test: Student 448120 was not enrolled in Section for Assignment 77120
- Lab 5: Assignment 55012.000231 is marked as deleted.
The teacher may restore this Assignment in his or her Skyward Gradebook,
provided that it is not in a locked Grading Period.
- Unit 2 Test: Student 448177 was not enrolled in Section for Assignment 77120
- Essay 1: Grading category "Essays" not found in Skyward for section 1021.2.004 (ALG 1).
Please ensure that your assignment categories match between Skyward and Canvas.
Available grading categories are: Homework, Tests
"""


def test_it_explains_every_error_of_a_report_in_order_with_counts(client):
    body = ask(client, REPORT)
    groups = body["errors"]
    assert [(g["count"], g["confident"], g["results"][0]["title"]) for g in groups] == [
        (2, True, "Student Not Enrolled"),
        (1, True, "Assignment Marked As Deleted"),
        (1, True, "Grading Category Not Found"),
    ]
    assert groups[2]["results"][0]["params"]["category"] == "Essays"
    assert body["results"] == groups[0]["results"]


def test_it_answers_a_single_error_as_one_group(client):
    body = ask(client, "Student 448120 was not enrolled in Section for Assignment 77120")
    assert [g["count"] for g in body["errors"]] == [1]


def test_it_answers_post_like_get_for_a_report(client):
    assert ask(client, REPORT, method="post") == ask(client, REPORT)


def test_it_answers_a_report_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    report = "\n".join(
        f"{n}. Student {448100 + n} was not enrolled in Section for Assignment {77100 + n}" for n in range(20)
    )
    with django_assert_max_num_queries(5):
        assert client.get(reverse("api_search"), {"q": report + "\n" + REPORT}).status_code == 200


def test_it_never_echoes_an_over_long_paste_whole(client, settings):
    paste = "Grading category Homework not found " + "x" * (settings.SEARCH_MAX_CHARS + 500)
    response = client.post(reverse("home"), {"q": paste})
    html = response.content.decode()
    assert response.status_code == 400
    assert f"the search reads at most {settings.SEARCH_MAX_CHARS:,}" in html
    assert paste not in html
    assert "x" * (settings.SEARCH_MAX_CHARS + 1) not in html


def test_it_keeps_result_pages_out_of_caches_and_search_engines(client):
    response = client.post(reverse("home"), {"q": "Internal Server Error"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_it_tells_the_reader_when_the_picked_sis_is_not_the_messages(client):
    response = client.post(
        reverse("home"),
        {"q": "Student 5521870 was not enrolled in Section for Assignment 90417", "vendor": "powerschool"},
    )
    html = response.content.decode()
    assert "This message comes from Skyward, not PowerSchool" in html
    assert "Student Not Enrolled" in html
