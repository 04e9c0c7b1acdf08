"""POST /api/lti11/outcome-check: the contract of ../shared/DESIGN.md, and clear 4xx answers."""

import json
import random

import pytest
from django.urls import reverse

from tests.lti11_signing import LAUNCH_URL, SECRET, THREAD_REQUEST, outcome_xml, signed_request
from tests.test_lti11_checker import CONTRACT_IDS

pytestmark = pytest.mark.usefixtures("dictionary")
URL = reverse("api_lti11_outcome_check")


def post(client, payload, **extra):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json", **extra)


def test_it_answers_the_contract_for_a_correct_request(client):
    response = post(client, {"request": signed_request(), "secret": SECRET, "url": LAUNCH_URL})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"ok", "checks"}
    assert answer["ok"] is True
    assert [c["id"] for c in answer["checks"]] == CONTRACT_IDS
    for check in answer["checks"]:
        assert set(check) == {"id", "passed", "detail", "entry_url"}
        assert check["passed"] is True and check["detail"] and check["entry_url"] is None
    assert "no-store" in response["Cache-Control"]


def test_it_links_each_failure_of_the_thread_request_to_a_live_entry(client):
    answer = post(client, {"request": THREAD_REQUEST.read_text()}).json()
    assert answer["ok"] is False
    assert [c["id"] for c in answer["checks"]] == CONTRACT_IDS
    failing = {c["id"]: c for c in answer["checks"] if c["passed"] is False}
    assert {"auth_header_encoding", "xml_namespace"} <= set(failing)
    assert failing["auth_header_encoding"]["entry_url"] == "/vendors/lti-1-1/401-invalid-authorization-header/#cause-3"
    assert failing["xml_namespace"]["detail"].startswith('imsx_POXEnvelopeRequest has xmlns=""; expected http')
    for check in failing.values():
        page = client.get(check["entry_url"].split("#")[0])
        assert page.status_code == 200
        assert f'id="{check["entry_url"].split("#")[1]}"' in page.content.decode()
    signature = next(c for c in answer["checks"] if c["id"] == "signature")
    assert signature["passed"] is None


def test_it_never_sends_the_secret_back(client):
    text = signed_request(outcome_xml(score="1.5"), secret=SECRET)
    response = post(client, {"request": text, "secret": SECRET, "url": LAUNCH_URL})
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    wrong = post(client, {"request": text, "secret": "another-secret-77", "url": LAUNCH_URL})
    assert "another-secret-77" not in wrong.content.decode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("not json", "The body must be JSON"),
        ('["a list"]', "must be a JSON object"),
        ({}, "Paste the raw HTTP request"),
        ({"request": 42}, "request must be a string"),
        ({"request": "POST / HTTP/1.1\r\n\r\n", "secret": ["x"]}, "secret must be a string"),
        ({"request": "POST / HTTP/1.1\r\n\r\n", "password": "x"}, "Unknown field 'password'"),
        ({"request": "Invalid authorization header"}, "This does not look like an HTTP request"),
        ({"request": "POST /x HTTP/1.1\r\nHost: x\r\n\r\n\x00\x00binary"}, "binary data"),
        ({"request": "POST /x HTTP/1.1\r\nContent-Length: 4000\r\n\r\n<?xml"}, "looks cut off"),
        ({"request": "POST /x HTTP/1.1\r\n\r\n" + "x" * 100_001}, "the checker reads at most 100000"),
        ({"request": signed_request(), "url": "canvas.example.edu/api/lti"}, "Give the lis_outcome_service_url"),
    ],
)
def test_it_explains_bad_input_with_a_400(client, payload, message):
    response = post(client, payload)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert message in response.json()["error"]


def test_it_refuses_undecodable_bytes_with_a_400(client):
    response = client.post(URL, b'{"request": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]


def test_it_refuses_a_body_over_one_megabyte_with_a_413(client):
    response = post(client, {"request": "POST /x HTTP/1.1\r\n\r\n" + "<a/>" * 270_000})
    assert response.status_code == 413
    assert "at most 1024 KB" in response.json()["error"]


def test_it_takes_only_post(client):
    assert client.get(URL).status_code == 405


def test_it_has_its_own_rate_limit(client, settings):
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_LTI11 = "2/h"
    answers = [post(client, {"request": signed_request()}, REMOTE_ADDR="192.0.2.61").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert post(client, {"request": signed_request()}, REMOTE_ADDR="192.0.2.62").status_code == 200


def test_it_never_answers_500_to_a_mangled_request(client):
    """Requests cut, spliced and sprinkled with the characters that break parsers: 200 or 400, never 500."""
    rng = random.Random(13)
    sources = [signed_request(), THREAD_REQUEST.read_text()]
    pieces = [
        '"',
        "=",
        ",",
        "&",
        "%",
        "%ZZ",
        "<",
        ">",
        "<!--",
        "]]>",
        "&#0;",
        "\r\n",
        "\n\n",
        ":",
        "\ud800",
        "é",
        "OAuth ",
    ]
    statuses = set()
    for _ in range(200):
        text = list(rng.choice(sources))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5:
                text.insert(at, rng.choice(pieces))
            else:
                del text[at : at + rng.randint(1, 120)]
        payload = {"request": "".join(text), "secret": rng.choice(["", SECRET]), "url": rng.choice(["", LAUNCH_URL])}
        statuses.add(post(client, payload).status_code)
    assert statuses <= {200, 400} and 200 in statuses
