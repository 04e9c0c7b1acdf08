"""The checker's page, /tools/lti11-outcome-check/: a POSTed form, every rule listed with its link,
the secret used once and never shown again."""

import pytest
from django.urls import reverse

from tests.lti11_signing import LAUNCH_URL, SECRET, THREAD_REQUEST, signed_request

pytestmark = pytest.mark.usefixtures("dictionary")
URL = reverse("lti11_outcome_check")


def test_it_offers_a_post_form_that_keeps_the_secret_out_of_urls_and_autofill(client):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'method="post" action="{URL}" autocomplete="off"' in page
    assert '<input type="password" id="lti-secret" name="secret" maxlength="1000" autocomplete="off"' in page
    assert "never stored, logged or shown" in page
    assert f'<a href="{URL}" aria-current="page">LTI check</a>' in page


def test_it_lists_every_rule_and_links_each_failure_to_its_entry(client):
    response = client.post(URL, {"request": THREAD_REQUEST.read_text(), "secret": "", "url": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 of 13 checks failed" in page
    assert page.count('<li class="check ') == 13
    assert '<li class="check fail" id="check-auth_header_encoding">' in page
    assert '<li class="check fail" id="check-xml_namespace">' in page
    assert '<li class="check unchecked" id="check-signature">' in page
    assert (
        '<a href="/vendors/lti-1-1/401-invalid-authorization-header/#cause-3">Why Canvas refuses it: '
        "401 Invalid authorization header on LTI 1.1 grade passback, cause 3</a>"
    ) in page
    assert "imsx_POXEnvelopeRequest has xmlns=&quot;&quot;" in page
    assert "ZiKbzAr8iYsoaUvEFKVV8t1tSrLnhfL6: oauth_signature" in page  # how Canvas splits the header
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"


def test_it_uses_the_secret_once_and_never_shows_it_again(client):
    response = client.post(URL, {"request": signed_request(), "secret": SECRET, "url": LAUNCH_URL})
    page = response.content.decode()
    assert "No rule failed" in page
    assert '<li class="check pass" id="check-signature">' in page
    assert SECRET not in page
    assert f'value="{LAUNCH_URL}"' in page  # the URL and the request are kept for another try


def test_it_explains_input_that_is_not_a_request(client):
    response = client.post(URL, {"request": "Invalid authorization header", "secret": SECRET})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<p class="notice error" role="alert" id="check-error">This does not look like an HTTP request' in page
    assert ">Invalid authorization header</textarea>" in page
    assert SECRET not in page


def test_it_answers_a_one_megabyte_paste_with_a_clear_413(client):
    response = client.post(URL, {"request": "POST /x HTTP/1.1\r\n\r\n" + "<a/>" * 270_000})
    assert response.status_code == 413
    assert "The request is too large: this address takes at most 1024 KB." in response.content.decode()
