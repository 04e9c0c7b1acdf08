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
