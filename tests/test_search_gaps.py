"""Searches without a confident answer are counted, masked, one row per text and vendor."""

import logging
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from errors_kb.gaps import record_gap
from errors_kb.models import Entry, Feedback, SearchGap, Vendor
from errors_kb.search import search

UNKNOWN = 'The projector for student "Maria Lopez" (ID 88812) in room 12 does not turn on'
UNKNOWN_MASKED = "The projector for student [student name] (ID [id]) in room [#] does not turn on"
KNOWN = 'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).'


def test_it_counts_an_unconfident_page_search_masked(client, dictionary):
    response = client.post(reverse("home"), {"q": UNKNOWN})
    assert response.status_code == 200
    gap = SearchGap.objects.get()
    assert (gap.masked_text, gap.vendor, gap.count) == (UNKNOWN_MASKED, None, 1)


def test_it_adds_to_the_same_row_when_the_same_masked_text_comes_again(client, dictionary):
    client.post(reverse("home"), {"q": UNKNOWN})
    first = SearchGap.objects.get()
    client.post(reverse("home"), {"q": UNKNOWN.replace("Maria Lopez", "Ana Ruiz").replace("88812", "55501")})
    client.get(reverse("api_search"), {"q": UNKNOWN})
    gap = SearchGap.objects.get()
    assert gap.count == 3
    assert gap.first_seen == first.first_seen
    assert gap.last_seen >= first.last_seen


def test_it_counts_each_vendor_picked_in_a_row_of_its_own(client, dictionary):
    skyward = Vendor.objects.get(slug="skyward")
    client.post(reverse("api_search"), {"q": UNKNOWN, "vendor": "skyward"})
    client.post(reverse("api_search"), {"q": UNKNOWN, "vendor": "skyward"})
    client.post(reverse("api_search"), {"q": UNKNOWN})
    rows = sorted(SearchGap.objects.values_list("vendor_id", "count"), key=lambda row: row[0] or 0)
    assert rows == [(None, 1), (skyward.pk, 2)]


def test_it_counts_nothing_for_a_confident_answer(client, dictionary):
    response = client.post(reverse("home"), {"q": KNOWN})
    assert response.context["result"].confident
    client.get(reverse("api_search"), {"q": KNOWN})
    assert SearchGap.objects.count() == 0


def test_it_counts_nothing_when_the_setting_is_off(client, dictionary, settings):
    settings.SEARCH_GAPS_ENABLED = False
    client.post(reverse("home"), {"q": UNKNOWN})
    client.get(reverse("api_search"), {"q": UNKNOWN})
    assert SearchGap.objects.count() == 0


def test_it_answers_the_search_when_the_gap_cannot_be_written(client, dictionary, caplog):
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("ALTER TABLE errors_kb_searchgap RENAME TO errors_kb_searchgap_away")
    with caplog.at_level(logging.WARNING, logger="errors_kb.gaps"):
        page = client.post(reverse("home"), {"q": UNKNOWN})
        api = client.get(reverse("api_search"), {"q": UNKNOWN})
    assert page.status_code == 200 and b"No confident match" in page.content
    assert api.status_code == 200 and api.json()["confident"] is False
    lines = [record.getMessage() for record in caplog.records if record.name == "errors_kb.gaps"]
    assert lines == ["Search gap not recorded: ProgrammingError"] * 2
    assert not any("Maria" in line or "88812" in line or "projector" in line for line in caplog.messages)


@pytest.mark.django_db(transaction=True)
def test_it_never_loses_a_count_when_searches_run_at_once(live_dictionary):
    result = search(UNKNOWN, max_chars=20_000)
    threads_count, each = 6, 5
    barrier = threading.Barrier(threads_count)

    def work():
        barrier.wait()
        for _ in range(each):
            record_gap(result)
        connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(SearchGap.objects.values_list("masked_text", "count")) == [(UNKNOWN_MASKED, threads_count * each)]


def test_it_purges_gaps_nobody_searched_for_in_180_days(db, capsys):
    now = timezone.now()
    old = SearchGap.objects.create(masked_text="old [#]")
    recent = SearchGap.objects.create(masked_text="recent [#]")
    SearchGap.objects.filter(pk=old.pk).update(last_seen=now - timedelta(days=181))
    SearchGap.objects.filter(pk=recent.pk).update(last_seen=now - timedelta(days=179))
    call_command("purge_search_gaps")
    assert list(SearchGap.objects.values_list("masked_text", flat=True)) == ["recent [#]"]
    assert "1 search gaps deleted." in capsys.readouterr().out
    call_command("purge_search_gaps", "--days", "30")
    assert SearchGap.objects.count() == 0


def log_in_curator(client):
    user = User.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    client.force_login(user)


def test_it_lists_the_top_gaps_with_a_link_that_prefills_a_new_entry(client, dictionary):
    skyward = Vendor.objects.get(slug="skyward")
    SearchGap.objects.create(masked_text="Rare gap [#]", count=2)
    SearchGap.objects.create(masked_text="Top gap for student [student name]", vendor=skyward, count=9)
    log_in_curator(client)
    listing = client.get(reverse("admin:errors_kb_searchgap_changelist"))
    html = listing.content.decode()
    assert html.index("Top gap for student [student name]") < html.index("Rare gap [#]")
    assert "Create entry from this" in html
    add_url = reverse("admin:errors_kb_entry_add")
    link = next(part for part in html.split('href="')[1:] if part.startswith(add_url) and "Top+gap" in part)
    form = client.get(link.split('"')[0].replace("&amp;", "&"))
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["message"] == "Top gap for student [student name]"
    assert str(form.context["adminform"].form.initial["vendor"]) == str(skyward.pk)


def test_it_shows_answers_with_entry_counts_and_comments_to_curators(client, dictionary):
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    Entry.objects.filter(pk=entry.pk).update(helpful_count=4, not_helpful_count=2)
    Feedback.objects.create(entry=entry, helpful=False, comment="Category was [value] not Homework")
    log_in_curator(client)
    feedback = client.get(
        reverse("admin:errors_kb_feedback_changelist"), {"o": f"-{column(client, 'feedback', 'entry_not_helpful')}"}
    )
    html = feedback.content.decode()
    assert "Category was [value] not Homework" in html
    assert "Entry: helped" in html and "Entry: did not help" in html
    sort = f"-{column(client, 'entry', 'helpful_count')}"
    entries = client.get(reverse("admin:errors_kb_entry_changelist"), {"o": sort})
    assert entries.status_code == 200
    assert entries.context["cl"].result_list[0].pk == entry.pk


def column(client, model: str, name: str) -> int:
    """The changelist's index of a column, as its sort links (?o=N) count them."""
    listing = client.get(reverse(f"admin:errors_kb_{model}_changelist"))
    return listing.context["cl"].list_display.index(name)
