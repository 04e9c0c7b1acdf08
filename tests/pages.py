"""The public pages and the pastes (one per kind of result page) every browser-wide check
visits: accessibility and the Content-Security-Policy look at the same set."""

PUBLIC_PAGES = [
    "/",
    "/vendors/",
    "/vendors/skyward/",
    "/vendors/canvas-medical/",
    "/vendors/skyward/grading-category-not-found/",
    "/vendors/canvas-medical/200-ok/",
    "/entries/",
    "/entries/?http_status=409",
    "/entries/?q=grading+category&vendor=skyward",
    "/entries/?q=zzzz-no-such-words",
    "/tools/lti11-outcome-check/",
    "/triage/",
    "/vendors/lti-1-1/401-invalid-authorization-header/",
    "/no-such-page/",
]
RESULT_PASTES = [
    'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).',
    "Student 448120 was not enrolled in Section for Assignment 77120\n"
    "Not a valid Score (12). Must be 0 to double Max Score (5).",
    "Internal Server Error",
    "Assignment with app id 12345 cannot be created for section with app id blank",
    "The projector in room 12 does not turn on",
    "409",
]
# The LTI 1.1 checker's result pages: every rule passed (with the signature), failures with their
# links and Canvas's reading of the header (the 2018 thread's request), and an input it refuses.
LTI11_REQUESTS = ["passing", "thread", "not a request"]


def lti11_request(kind: str) -> dict[str, str]:
    """The form's fields for one of LTI11_REQUESTS, built when a test runs (a fresh timestamp)."""
    from tests.lti11_signing import LAUNCH_URL, SECRET, THREAD_REQUEST, signed_request

    if kind == "passing":
        return {"request": signed_request(), "secret": SECRET, "url": LAUNCH_URL}
    if kind == "thread":
        return {"request": THREAD_REQUEST.read_text(encoding="utf-8"), "secret": "", "url": ""}
    return {"request": "Invalid authorization header", "secret": "", "url": ""}


def submit_lti11_check(page, base_url: str, fields: dict[str, str]) -> None:
    """Fill the LTI 1.1 checker's form as a developer does, and send it."""
    page.goto(base_url + "/tools/lti11-outcome-check/")
    page.get_by_label("Raw HTTP request").fill(fields["request"])
    page.get_by_label("lis_outcome_service_url from the launch (optional)").fill(fields["url"])
    page.get_by_label("Consumer secret (optional)").fill(fields["secret"])
    page.get_by_role("button", name="Check the request").click()
    page.wait_for_load_state("load")
