import pytest

from errors_kb.matching.generic import is_bare_http_status
from errors_kb.matching.normalize import normalize


@pytest.mark.parametrize(
    "text",
    [
        "401 Unauthorized",
        "403 Forbidden",
        "HTTP/1.1 404 Not Found",
        "Internal Server Error",
        "Error 422: Unprocessable Entity",
        "bad request",
        "404",
    ],
)
def test_it_recognises_a_bare_status_line(text):
    assert is_bare_http_status(normalize(text)) is True


@pytest.mark.parametrize(
    "text",
    [
        "401 Unauthorized: Invalid authorization header",
        "Grading category Homework not found",
        'HTTP/1.1 409 Conflict {"message":"Score entry points is required."}',
        "",
    ],
)
def test_it_keeps_messages_with_their_own_words(text):
    assert is_bare_http_status(normalize(text)) is False
