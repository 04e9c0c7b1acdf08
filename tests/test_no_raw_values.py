"""A student's name and ID pasted into every way in (page, API, a "what was wrong" comment)
are nowhere afterwards: not in a dump of the whole database, not in the server's log."""

import glob
import http.cookiejar
import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection
from django.urls import reverse

from errors_kb.models import Entry, Feedback, SearchGap
from tests.servers import database_url, gunicorn, open_url

NAME, FIRST, LAST, STUDENT_ID = "Maribel Quintanilla", "Maribel", "Quintanilla", "48151623"
PASTE = f'Roster push rejected: student "{NAME}" (ID {STUDENT_ID}) has no seat in homeroom 7B'
MASKED = "Roster push rejected: student [student name] (ID [id]) has no seat in homeroom [id]"


def pg_dump() -> str:
    # Debian keeps it beside the server, off the PATH.
    return shutil.which("pg_dump") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1]


def dump_database() -> str:
    settings = connection.settings_dict
    command = [pg_dump(), "--no-owner", "-h", settings["HOST"], "-U", settings["USER"], settings["NAME"]]
    if settings["PORT"]:
        command[1:1] = ["-p", str(settings["PORT"])]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_it_stores_and_logs_no_name_or_id_of_a_paste(live_dictionary, tmp_path):
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    assert NAME not in dump_database()  # the oracle below means something only if the fixtures lack it
    log = tmp_path / "gunicorn.log"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    env = {"DATABASE_URL": database_url(connection.settings_dict), "LOG_LEVEL": "DEBUG"}
    with gunicorn(env, log_path=log) as base:
        api_get = open_url(opener, f"{base}{reverse('api_search')}?{urllib.parse.urlencode({'q': PASTE})}")
        api_post = open_url(opener, base + reverse("api_search"), {"q": PASTE, "vendor": "skyward"})
        page_get = open_url(opener, f"{base}{reverse('home')}?{urllib.parse.urlencode({'q': PASTE})}")
        token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        page_post = open_url(opener, base + reverse("home"), {"q": PASTE, "csrfmiddlewaretoken": token})
        entry_page = open_url(opener, base + entry.get_absolute_url())
        vote = open_url(
            opener,
            base + reverse("entry_vote", args=[entry.pk]),
            {"helpful": "no", "comment": f"{PASTE} again", "csrfmiddlewaretoken": token},
        )
    assert json.loads(api_get[1])["confident"] is False and api_post[0] == 200
    assert page_get[0] == page_post[0] == entry_page[0] == 200
    assert vote[0] == 200 and "Thank you" in vote[1]  # the 303 was followed back to the entry page

    assert sorted(SearchGap.objects.values_list("masked_text", "vendor__slug", "count"), key=str) == sorted(
        [(MASKED, None, 3), (MASKED, "skyward", 1)], key=str
    )
    assert Feedback.objects.get().comment == f"{MASKED} again"
    dump = dump_database()
    assert MASKED in dump
    server_log = log.read_text()
    assert f"POST {reverse('entry_vote', args=[entry.pk])}" in server_log
    for value in (FIRST, LAST, STUDENT_ID, "homeroom 7B"):
        assert value not in dump, value
        assert value not in server_log, value
