"""The LTI 1.1 outcome request checker on requests signed by oauthlib's own Client: a correct
request passes every rule, and each single defect fails exactly its own rule and no other."""

import time

import pytest

from errors_kb.lti11 import CHECKS, RequestInputError, check_request
from tests.lti11_signing import (
    IMS,
    LAUNCH_URL,
    SECRET,
    THREAD_REQUEST,
    outcome_xml,
    raw_request,
    sign,
    signed_request,
)

CHECK_IDS = [check_id for check_id, _ in CHECKS]
CONTRACT_IDS = [
    "method",
    "content_type",
    "auth_header_parse",
    "auth_header_encoding",
    "oauth_params",
    "timestamp",
    "body_hash",
    "xml_wellformed",
    "xml_namespace",
    "xml_structure",
    "sourced_id",
    "score_range",
    "signature",
]
XXE = '<!DOCTYPE imsx_POXEnvelopeRequest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def failed(answer: dict) -> list[str]:
    return [check["id"] for check in answer["checks"] if check["passed"] is False]


def by_id(answer: dict) -> dict[str, dict]:
    return {check["id"]: check for check in answer["checks"]}


def check(text: str, secret: str = SECRET, url: str = LAUNCH_URL, **options) -> dict:
    return check_request(text, secret=secret, url=url, **options).to_dict()


def unencoded(authorization: str) -> str:
    """The header as a tool writes it when it forgets to percent-encode its base64 values."""
    return authorization.replace("%3D", "=").replace("%2B", "+").replace("%2F", "/")


def test_it_passes_every_rule_of_a_correct_request():
    answer = check(signed_request())
    assert answer["ok"] is True
    assert [c["id"] for c in answer["checks"]] == CONTRACT_IDS
    assert {c["id"]: c["passed"] for c in answer["checks"]} == dict.fromkeys(CONTRACT_IDS, True)
    assert all(c["entry_url"] is None for c in answer["checks"])


def test_it_shows_the_base_string_it_verified():
    signature = by_id(check(signed_request()))["signature"]
    assert (
        "POST&https%3A%2F%2Fcanvas.example.edu%2Fapi%2Flti%2Fv1%2Ftools%2F4127%2Fgrade_passback&" in signature["detail"]
    )
    assert "oauth_body_hash%3D" in signature["detail"]


def test_it_leaves_the_signature_unchecked_without_a_secret():
    answer = check(signed_request(), secret="", url="")
    signature = by_id(answer)["signature"]
    assert signature["passed"] is None
    assert "give the consumer secret" in signature["detail"]
    assert "POST&https%3A%2F%2Fcanvas.example.edu%2F" in signature["detail"]  # the base string, to compare
    assert failed(answer) == []
    assert answer["ok"] is True


def test_it_checks_the_signature_against_the_request_line_without_a_url():
    assert by_id(check(signed_request(), url=""))["signature"]["passed"] is True


@pytest.mark.parametrize(
    ("defect", "make", "rule"),
    [
        ("GET", lambda: signed_request(method="GET"), "method"),
        ("text/plain", lambda: signed_request(content_type="text/plain"), "content_type"),
        ("missing body hash", lambda: signed_request(body_hash=False), "oauth_params"),
        (
            "wrong body hash",
            lambda: raw_request(outcome_xml(score="0.93"), sign(outcome_xml(score="0.92"))),
            "body_hash",
        ),
        ("unencoded =", lambda: raw_request(outcome_xml(), unencoded(sign(outcome_xml()))), "auth_header_encoding"),
        ("wrong secret", lambda: signed_request(secret="not-the-secret-canvas-holds"), "signature"),
        (
            "wrong URL",
            lambda: signed_request(url=LAUNCH_URL.replace("https://", "http://")),
            "signature",
        ),
        ('xmlns=""', lambda: signed_request(outcome_xml(root_attributes='xmlns=""')), "xml_namespace"),
        ("score 1.5", lambda: signed_request(outcome_xml(score="1.5")), "score_range"),
        ("missing sourcedId", lambda: signed_request(outcome_xml(sourced_id=None)), "sourced_id"),
        ("external entity", lambda: signed_request(outcome_xml(doctype=XXE, sourced_id="&xxe;")), "xml_wellformed"),
        ("stale timestamp", lambda: signed_request(timestamp=str(int(time.time()) - 2 * 3600)), "timestamp"),
    ],
)
def test_it_fails_exactly_the_rule_of_a_single_defect(defect, make, rule):
    answer = check(make())
    assert failed(answer) == [rule], defect
    assert answer["ok"] is False
    assert [c["id"] for c in answer["checks"]] == CONTRACT_IDS
    assert by_id(answer)[rule]["entry_url"].startswith("/vendors/lti-1-1/")


def test_it_shows_where_canvas_splits_an_unencoded_value():
    answer = check(raw_request(outcome_xml(), unencoded(sign(outcome_xml()))))
    encoding = by_id(answer)["auth_header_encoding"]
    assert "holds a raw “=” (send %3D)" in encoding["detail"]
    assert "Canvas finds no" in encoding["detail"] and "oauth_signature" in encoding["detail"]
    assert encoding["entry_url"] == "/vendors/lti-1-1/401-invalid-authorization-header/#cause-3"
    # The signature is computed over the values the tool meant, so it does not fail as well.
    assert by_id(answer)["signature"]["passed"] is True


def test_it_says_canvas_refuses_an_odd_split_outright():
    authorization = sign(outcome_xml())
    body_hash_only = authorization.replace('%3D", oauth_signature', '=", oauth_signature')
    assert body_hash_only != authorization  # oauthlib writes oauth_body_hash just before oauth_signature
    encoding = by_id(check(raw_request(outcome_xml(), body_hash_only)))["auth_header_encoding"]
    assert encoding["passed"] is False
    assert "an odd number, and refuses it outright" in encoding["detail"]


def test_it_does_not_check_the_xml_further_when_it_is_refused_as_unsafe():
    answer = check(signed_request(outcome_xml(doctype=XXE, sourced_id="&xxe;")))
    checks = by_id(answer)
    assert "Refused as unsafe" in checks["xml_wellformed"]["detail"]
    assert "external entity" in checks["xml_wellformed"]["detail"]
    assert "root:" not in str(answer)  # /etc/passwd was never read
    for rule in ("xml_namespace", "xml_structure", "sourced_id", "score_range"):
        assert checks[rule] == {
            "id": rule,
            "passed": None,
            "detail": "Not checked: the XML did not parse.",
            "entry_url": None,
        }
    assert checks["body_hash"]["passed"] is True and checks["signature"]["passed"] is True


def test_it_names_the_launch_url_when_the_signature_matches_only_the_request_line():
    sent_to = "https://canvas.example.edu/api/lti/v1/tools/4128/grade_passback"
    answer = check(signed_request(url=sent_to), url=LAUNCH_URL)
    assert failed(answer) == ["signature"]
    detail = by_id(answer)["signature"]["detail"]
    assert f"verifies against the request line's own URL ({sent_to}) but not against the given launch URL" in detail
    assert by_id(answer)["signature"]["entry_url"] == "/vendors/lti-1-1/401-invalid-authorization-header/#cause-2"


def test_it_says_which_url_was_signed_when_it_differs_in_scheme():
    detail = by_id(check(signed_request(url=LAUNCH_URL.replace("https://", "http://"))))["signature"]["detail"]
    assert "The signature was made over http://canvas.example.edu/api/lti/v1/tools/4127/grade_passback" in detail
    assert "the base string differs" in detail


def test_it_says_the_secret_may_differ_when_no_url_explains_the_signature():
    signature = by_id(check(signed_request(secret="not-the-secret-canvas-holds")))["signature"]
    assert "if they are equal, the secret is not the one Canvas holds" in signature["detail"]
    assert signature["entry_url"] == "/vendors/lti-1-1/401-invalid-authorization-header/#cause-1"


def test_it_diagnoses_the_request_of_the_2018_thread():
    text = THREAD_REQUEST.read_text(encoding="utf-8")
    # As of when it was sent (its oauth_timestamp): the two defects of the thread, plus the body
    # hash, which cannot match because the forum lost the body (tests/data/lti11/README.md).
    answer = check(text, secret="", url="", now=1525367433 + 30)
    assert failed(answer) == ["auth_header_encoding", "body_hash", "xml_namespace"]
    checks = by_id(answer)
    assert checks["xml_namespace"]["detail"].startswith(
        'imsx_POXEnvelopeRequest has xmlns=""; expected http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0'
    )
    encoding = checks["auth_header_encoding"]["detail"]
    # Canvas's reading, as the Canvas error report quoted in the thread shows its keys and values.
    for line in (
        'oauth_body_hash: "6MfU9ZcvzMc6XPbdd1PNwiTF1d8',
        '": oauth_nonce',
        "ZiKbzAr8iYsoaUvEFKVV8t1tSrLnhfL6: oauth_signature",
        '"0J0XinNaZycfv0UoHcSpCJGYm6M: "',
    ):
        assert f"\n{line}\n" in encoding
    assert checks["signature"]["passed"] is None
    # Checked today, it is also long expired.
    assert failed(check(text, secret="", url="")) == ["auth_header_encoding", "timestamp", "body_hash", "xml_namespace"]


def test_it_reads_a_curl_verbose_paste_with_the_body_after_it():
    body = outcome_xml()
    authorization = sign(body)
    text = (
        "*   Trying 203.0.113.8:443...\n"
        "* Connected to canvas.example.edu (203.0.113.8) port 443\n"
        "> POST /api/lti/v1/tools/4127/grade_passback HTTP/1.1\n"
        "> Host: canvas.example.edu\n"
        "> User-Agent: curl/8.5.0\n"
        "> Content-Type: application/xml\n"
        f"> Authorization: {authorization}\n"
        f"> Content-Length: {len(body.encode())}\n"
        ">\n"
        f"{body}"
    )
    answer = check(text)
    assert failed(answer) == []
    assert answer["ok"] is True


def test_it_matches_the_body_hash_when_the_paste_box_changed_line_endings():
    body = outcome_xml()
    text = raw_request(body, sign(body)).replace("\n", "\r\n").replace("\r\r\n", "\r\n")
    body_hash = by_id(check(text))["body_hash"]
    assert body_hash["passed"] is True
    assert "with LF line endings" in body_hash["detail"]


def test_it_links_a_content_type_parameter_to_its_own_cause():
    body = outcome_xml()
    answer = check(
        raw_request(
            body,
            sign(body, content_type="application/xml; charset=UTF-8"),
            content_type="application/xml; charset=UTF-8",
        )
    )
    assert failed(answer) == ["content_type"]
    assert (
        by_id(answer)["content_type"]["entry_url"]
        == "/vendors/lti-1-1/415-content-type-must-be-application-xml/#cause-2"
    )


def test_it_refuses_another_signature_method_in_the_oauth_params():
    body = outcome_xml()
    authorization = sign(body).replace('oauth_signature_method="HMAC-SHA1"', 'oauth_signature_method="HMAC-SHA256"')
    checks = by_id(check(raw_request(body, authorization)))
    assert checks["oauth_params"]["passed"] is False
    assert "HMAC-SHA256, not HMAC-SHA1" in checks["oauth_params"]["detail"]
    assert checks["oauth_params"]["entry_url"] == "/vendors/lti-1-1/401-invalid-authorization-header/#cause-4"
    assert checks["signature"]["passed"] is None


def test_it_wants_the_oauth_version_lti_asks_for():
    body = outcome_xml()
    authorization = sign(body).replace('oauth_version="1.0", ', "").replace(', oauth_version="1.0"', "")
    assert "oauth_version" not in authorization
    answer = check(raw_request(body, authorization), secret="")
    assert failed(answer) == ["oauth_params"]
    assert "oauth_version is missing" in by_id(answer)["oauth_params"]["detail"].casefold()


def test_it_reads_a_timestamp_in_milliseconds_as_a_mistake():
    stamp = str(int(time.time() * 1000))
    timestamp = by_id(check(signed_request(timestamp=stamp)))["timestamp"]
    assert timestamp["passed"] is False
    assert "looks like milliseconds" in timestamp["detail"]


@pytest.mark.parametrize(
    ("score", "complaint"),
    [
        ("85", "not between 0.0 and 1.0"),
        ("85%", "not a plain number"),
        ("0,85", "not a plain number"),
        ("-0.1", "not between"),
    ],
)
def test_it_explains_a_score_canvas_refuses(score, complaint):
    answer = check(signed_request(outcome_xml(score=score)))
    assert failed(answer) == ["score_range"]
    assert complaint in by_id(answer)["score_range"]["detail"]


def test_it_wants_a_language_beside_the_score():
    answer = check(signed_request(outcome_xml(language="")))
    assert failed(answer) == ["score_range"]
    assert "has no language" in by_id(answer)["score_range"]["detail"]


def test_it_passes_a_read_result_without_a_score():
    answer = check(signed_request(outcome_xml(operation="readResultRequest")))
    assert failed(answer) == []
    assert by_id(answer)["score_range"]["passed"] is None


def test_it_links_an_unknown_operation_to_its_cause():
    answer = check(signed_request(outcome_xml(operation="updateResultRequest")))
    assert failed(answer) == ["xml_structure"]
    structure = by_id(answer)["xml_structure"]
    assert "updateResultRequest" in structure["detail"]
    assert structure["entry_url"] == "/vendors/lti-1-1/422-request-could-not-be-handled/#cause-2"
    assert by_id(answer)["sourced_id"]["passed"] is None


def test_it_points_at_a_namespace_on_the_wrong_element():
    body = outcome_xml().replace("<imsx_POXBody>", '<imsx_POXBody xmlns="">')
    answer = check(signed_request(body))
    assert failed(answer) == ["xml_namespace"]
    assert 'imsx_POXBody is in no namespace (xmlns="")' in by_id(answer)["xml_namespace"]["detail"]


def test_it_accepts_a_prefixed_ims_namespace():
    body = outcome_xml(root_attributes=f'xmlns:ims="{IMS}"')
    body = body.replace("<", "<ims:").replace("<ims:/", "</ims:").replace("<ims:?xml", "<?xml")
    assert failed(check(signed_request(body))) == []


def test_it_explains_a_malformed_xml_body():
    body = outcome_xml().replace("</imsx_POXBody>", "")
    answer = check(signed_request(body))
    assert failed(answer) == ["xml_wellformed"]
    assert "not well-formed XML: mismatched tag" in by_id(answer)["xml_wellformed"]["detail"]


def test_it_fails_a_missing_authorization_header_once():
    body = outcome_xml()
    text = raw_request(body, "x").replace("Authorization: x\r\n", "")
    answer = check(text)
    assert failed(answer) == ["auth_header_parse"]
    assert all(
        by_id(answer)[rule]["passed"] is None
        for rule in ("auth_header_encoding", "oauth_params", "timestamp", "body_hash", "signature")
    )


def test_it_requires_the_exact_scheme_canvas_reads():
    body = outcome_xml()
    answer = check(raw_request(body, sign(body).replace("OAuth ", "oauth ", 1)))
    assert failed(answer) == ["auth_header_parse"]
    assert "exactly “OAuth ”" in by_id(answer)["auth_header_parse"]["detail"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste the raw HTTP request"),
        ("Invalid authorization header", "This does not look like an HTTP request"),
        ('{"errors":[{"message":"Invalid authorization header"}]}', "its first line should be the request line"),
        ("POST /api/lti/v1/tools/1/grade_passback HTTP/1.1\r\nHost: x\r\n\x00\x01\x02", "binary data"),
        (
            "POST /api/lti/v1/tools/1/grade_passback HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n<?xml",
            "looks cut off",
        ),
        ("POST /x HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n", "is neither a header"),
        ("POST /x HTTP/1.1\r\n\r\n" + "<a>" * 40_000, "the checker reads at most 100,000"),
    ],
)
def test_it_explains_input_that_is_not_a_request(text, message):
    with pytest.raises(RequestInputError, match=message):
        check_request(text)


def test_it_lists_the_checks_in_the_contracts_order():
    assert CHECK_IDS == CONTRACT_IDS


def test_it_says_when_the_request_goes_elsewhere_than_the_launch_url():
    sent_to = "https://canvas.example.edu/api/lti/v1/tools/4128/grade_passback"
    answer = check(signed_request(url=sent_to, secret="not-the-secret-canvas-holds"), url=LAUNCH_URL)
    assert failed(answer) == ["signature"]
    assert (
        f"The request line sends it to {sent_to}, not to the launch URL {LAUNCH_URL}."
        in by_id(answer)["signature"]["detail"]
    )


def test_it_wants_values_between_double_quotes_even_where_canvas_reads_them():
    body = outcome_xml()
    authorization = (
        sign(body).replace('oauth_nonce="', "oauth_nonce=").replace('", oauth_timestamp', ", oauth_timestamp")
    )
    answer = check(raw_request(body, authorization))
    assert failed(answer) == ["auth_header_encoding"]
    detail = by_id(answer)["auth_header_encoding"]["detail"]
    assert "oauth_nonce=" in detail and "is not between double quotes" in detail
    assert "Canvas's OAuth library reads these values as meant today" in detail
