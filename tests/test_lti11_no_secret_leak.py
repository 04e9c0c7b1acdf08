"""The consumer secret given to the LTI 1.1 checker is used for that one check: it is in no answer,
no line of the server's log (at DEBUG) and nowhere in a dump of the whole database afterwards."""

import http.cookiejar
import json
import urllib.parse
import urllib.request

import pytest
from django.db import connection
from django.urls import reverse

from tests.lti11_signing import LAUNCH_URL, SECRET, outcome_xml, raw_request, sign, signed_request
from tests.servers import database_url, gunicorn, open_url
from tests.test_no_raw_values import dump_database

# A secret no fixture, log line or default could hold by chance.
LEAKY = "Zt9-leak-canary-secret-5mQ2wX8"


def post_json(opener, url: str, payload: dict) -> tuple[int, str]:
    return open_url(opener, url, json.dumps(payload).encode(), {"Content-Type": "application/json"})


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_secret_out_of_answers_logs_and_the_database(live_dictionary, tmp_path):
    assert LEAKY not in dump_database() and SECRET not in dump_database()
    good = signed_request(secret=LEAKY)
    body = outcome_xml()
    wrong_url = raw_request(body, sign(body, secret=LEAKY, url=LAUNCH_URL.replace("4127", "4128")))
    log = tmp_path / "gunicorn.log"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    env = {"DATABASE_URL": database_url(connection.settings_dict), "LOG_LEVEL": "DEBUG"}
    answers = []
    with gunicorn(env, log_path=log) as base:
        api = base + reverse("api_lti11_outcome_check")
        page = base + reverse("lti11_outcome_check")
        answers.append(post_json(opener, api, {"request": good, "secret": LEAKY, "url": LAUNCH_URL}))
        answers.append(post_json(opener, api, {"request": wrong_url, "secret": LEAKY, "url": LAUNCH_URL}))
        answers.append(post_json(opener, api, {"request": "not a request", "secret": LEAKY}))
        answers.append(post_json(opener, api, {"request": good, "secret": [LEAKY]}))
        answers.append(open_url(opener, page))
        token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        form = {"request": good, "secret": LEAKY, "url": LAUNCH_URL, "csrfmiddlewaretoken": token}
        answers.append(open_url(opener, page, form))
        answers.append(open_url(opener, page, {**form, "request": "not a request"}))
        answers.append(open_url(opener, page, {**form, "url": "no url"}))
        answers.append(open_url(opener, page, {**form, "csrfmiddlewaretoken": "forged"}))  # refused, 403
    statuses = [status for status, _ in answers]
    assert statuses == [200, 200, 400, 400, 200, 200, 400, 400, 403]
    assert json.loads(answers[0][1])["ok"] is True
    assert json.loads(answers[1][1])["checks"][-1]["passed"] is False
    assert "No rule failed" in answers[5][1]
    server_log = log.read_text()
    assert f"POST {reverse('api_lti11_outcome_check')}" in server_log  # the log holds the requests
    for status, text in answers:
        assert LEAKY not in text, status
    assert LEAKY not in server_log
    assert LEAKY not in dump_database()
