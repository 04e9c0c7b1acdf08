"""What workers keep of the dictionary in memory is the dictionary as it is now.

The generation (errors_kb_dictionarygeneration, moved by triggers) must change with every
write a page shows and never come back to a number another state of the data had; the
search page and the API must show a curator's change on the very next request, in every
worker of a server."""

from __future__ import annotations

import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.urls import reverse

from errors_kb.dictionary_cache import GenerationCache
from errors_kb.models import Cause, DictionaryGeneration, Entry, Resource, Step, Topic, Vendor
from tests.servers import database_url, get, gunicorn

# Written by hand after the Skyward entry's message; its answer's first step is checked below.
SKYWARD_PASTE = 'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).'


def generation() -> int | None:
    return DictionaryGeneration.objects.current()


def skyward_entry() -> Entry:
    return Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")


def first_step(entry: Entry) -> Step:
    return Step.objects.filter(cause__entry=entry, parent__isnull=True).order_by("cause__position", "position").first()


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


WRITES = {
    "an entry saved": lambda e: e.save(),
    "entries updated by a queryset": lambda e: Entry.objects.filter(pk=e.pk).update(notes="Checked again."),
    "a step's text in raw SQL": lambda e: raw_sql(
        "UPDATE errors_kb_step SET text = text || '.' WHERE id = %s", [first_step(e).pk]
    ),
    "a cause added": lambda e: Cause.objects.create(entry=e, position=9, meaning="Another reason."),
    "a resource deleted": lambda e: Resource.objects.filter(entry=e).delete(),
    "a topic added to the entry": lambda e: e.topics.add(Topic.objects.create(slug="new-topic", name="New topic")),
    "a vendor alias": lambda e: Vendor.objects.filter(pk=e.vendor_id).update(aliases=["SKY"]),
    "an entry deleted": lambda e: e.delete(),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_it_moves_the_generation_with_every_write_a_page_shows(dictionary, write):
    entry = skyward_entry()
    before = generation()
    WRITES[write](entry)
    assert generation() not in (None, before)


def test_it_leaves_the_generation_alone_when_only_votes_are_counted(client, dictionary):
    entry = skyward_entry()
    before = generation()
    response = client.post(reverse("entry_vote", args=[entry.pk]), {"helpful": "yes"})
    assert response.status_code == 303
    entry.refresh_from_db()
    assert entry.helpful_count == 1
    assert generation() == before


def test_it_never_hands_out_a_rolled_back_generation_again(dictionary):
    entry = skyward_entry()
    before = generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        entry.save()
        inside = generation()
        raise RuntimeError("the curator's save fails")
    assert generation() == before  # the data is back as it was, and so is its number
    entry.save()
    assert generation() not in (before, inside)


def test_it_keeps_values_until_the_generation_moves_and_forgets_them_after():
    cache = GenerationCache(max_size=10)
    cache.put(1, "a", "A")
    assert cache.get(1, "a") == "A"
    assert cache.get(2, "a") is None  # another state of the dictionary
    assert cache.get(1, "a") is None  # and the older one is gone for good
    cache.put(None, "b", "B")  # no generation known: nothing is kept
    assert cache.get(None, "b") is None and len(cache) == 0


def test_it_lets_the_least_recently_used_go_first_within_its_size():
    cache = GenerationCache(max_size=10)
    for key in "abc":
        cache.put(7, key, key.upper(), size=3)
    assert cache.get(7, "a") == "A"  # used: now the most recent
    cache.put(7, "d", "D", size=3)  # 12 > 10: the least recently used ("b") goes
    assert [cache.get(7, k) for k in "abcd"] == ["A", None, "C", "D"]
    cache.put(7, "huge", "H", size=11)  # larger than the whole cache: not kept, nothing evicted
    assert cache.get(7, "huge") is None and len(cache) == 3


def test_it_shows_a_curators_edit_on_the_next_search(client, dictionary):
    step = first_step(skyward_entry())
    for _ in range(2):  # the second answer comes from the worker's memory
        html = client.post(reverse("home"), {"q": SKYWARD_PASTE}).content.decode()
        assert " ".join(step.text.split()[:4]) in html
    step.text = "Ask the Skyward administrator to add the missing category to the gradebook."
    step.save()
    html = client.post(reverse("home"), {"q": SKYWARD_PASTE}).content.decode()
    assert "Ask the Skyward administrator to add the missing" in html


def test_it_answers_a_repeated_search_with_one_query(client, dictionary, django_assert_num_queries):
    url = reverse("home")
    client.post(url, {"q": SKYWARD_PASTE})
    with django_assert_num_queries(1):  # the generation: everything else is in memory
        response = client.post(url, {"q": SKYWARD_PASTE})
    assert "Grading Category Not Found" in response.content.decode()
    with django_assert_num_queries(1):  # the API shares the page's answer (same limit)
        assert client.get(reverse("api_search"), {"q": SKYWARD_PASTE}).json()["confident"] is True


@pytest.mark.django_db(transaction=True)
def test_it_shows_an_edit_in_every_worker_of_a_server(live_dictionary, tmp_path):
    env = {"DATABASE_URL": database_url(connection.settings_dict), "RATE_LIMITS": "off"}
    query = urllib.parse.urlencode({"q": SKYWARD_PASTE})

    def answers(base: str) -> list[str]:
        # Many at once, so that both workers answer (and remember) some.
        with ThreadPoolExecutor(max_workers=8) as pool:
            replies = list(pool.map(lambda _: get(f"{base}/api/search?{query}"), range(40)))
        assert {status for status, _ in replies} == {200}
        return [body.decode() for _, body in replies]

    with gunicorn(env, log_path=tmp_path / "gunicorn.log", workers=2) as base:
        assert all('"title": "Grading Category Not Found"' in body for body in answers(base))
        entry = skyward_entry()
        entry.title = "Grading category missing in Skyward"
        entry.save()
        after = answers(base)
    assert all('"title": "Grading category missing in Skyward"' in body for body in after)
