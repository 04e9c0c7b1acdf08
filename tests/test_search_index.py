"""The search-word counts (SearchToken) follow every change of the entries in the same
transaction, on real PostgreSQL. The oracle is a recount written here, over the entry rows
in Python; it shares no code with the triggers or the full rebuild."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction
from django.urls import reverse

from errors_kb import search_index
from errors_kb.bench.admin_save import form_data
from errors_kb.models import Cause, Entry, EntryStatus, SearchToken, Step, Vendor


def recount() -> dict[str, tuple[int, int]]:
    """{word: (published entries holding it in search_tokens, ... in content_tokens)}."""
    counts: dict[str, list[int]] = {}
    published = Entry.objects.filter(status=EntryStatus.PUBLISHED)
    for search, content in published.values_list("search_tokens", "content_tokens"):
        for word in set(search):
            counts.setdefault(word, [0, 0])[0] += 1
        for word in set(content):
            counts.setdefault(word, [0, 0])[1] += 1
    return {word: (e, c) for word, (e, c) in counts.items()}


def stored() -> dict[str, tuple[int, int]]:
    return {t: (e, c) for t, e, c in SearchToken.objects.values_list("token", "entry_count", "content_count")}


def assert_counts_exact() -> None:
    expected, actual = recount(), stored()
    wrong = {
        w: (actual.get(w), expected.get(w)) for w in expected.keys() | actual.keys() if actual.get(w) != expected.get(w)
    }
    assert not wrong, f"(stored, recounted) differ for {len(wrong)} words, e.g. {sorted(wrong.items())[:5]}"


def make_entry(vendor: Vendor, title: str, message: str, status: str = EntryStatus.PUBLISHED, steps=()) -> Entry:
    slug = "-".join(title.lower().split())
    entry = Entry.objects.create(vendor=vendor, title=title, slug=slug, message=message, status=status)
    if steps:
        cause = Cause.objects.create(entry=entry, position=1, meaning="What it means.")
        for position, text in enumerate(steps, start=1):
            Step.objects.create(cause=cause, position=position, text=text)
        entry.refresh_content_tokens()
    return entry


@pytest.fixture
def vendor(dictionary):
    return Vendor.objects.get(slug="skyward")


def test_it_starts_from_exact_counts(dictionary):
    assert_counts_exact()


def test_it_counts_a_new_published_entry_and_ignores_a_draft(vendor):
    make_entry(vendor, "Quokka Roster Failure", "Quokka roster [xxxx] was rejected", steps=["Reopen the xylograph."])
    assert_counts_exact()
    assert stored()["quokka"] == (1, 0)
    assert stored()["xylograph"] == (0, 1)

    make_entry(vendor, "Wombat Draft Failure", "Wombat export [xxxx] stalled", status=EntryStatus.DRAFT)
    assert_counts_exact()
    assert "wombat" not in stored()


def test_it_follows_an_edited_title(vendor):
    entry = make_entry(vendor, "Quokka Roster Failure", "Quokka roster [xxxx] was rejected")
    entry.title = "Numbat Roster Failure"
    entry.save()
    assert_counts_exact()
    assert "numbat" in stored()
    assert "quokka" in stored()  # still in the message

    entry.message = "Numbat roster [xxxx] was rejected"
    entry.save(update_fields=["message"])
    assert_counts_exact()
    assert "quokka" not in stored(), "a word no published entry holds any more leaves the table"


def test_it_follows_edited_steps_into_the_content_counts(vendor):
    entry = make_entry(vendor, "Quokka Roster Failure", "Quokka roster [xxxx] was rejected", steps=["Reopen it."])
    step = Step.objects.get(cause__entry=entry)
    step.text = "Recalibrate the xylograph, then sync again."
    step.save()
    entry.refresh_content_tokens()
    assert_counts_exact()
    assert stored()["xylograph"] == (0, 1)


def test_it_follows_publishing_and_unpublishing(vendor):
    entry = make_entry(vendor, "Quokka Roster Failure", "Quokka roster [xxxx] was rejected", EntryStatus.DRAFT)
    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.PUBLISHED)
    assert_counts_exact()
    assert stored()["quokka"] == (1, 0)

    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.DRAFT)
    assert_counts_exact()
    assert "quokka" not in stored()


def test_it_follows_deletes(vendor):
    first = make_entry(vendor, "Quokka Roster Failure", "Quokka roster [xxxx] was rejected", steps=["Ask the quokka."])
    make_entry(vendor, "Quokka Section Failure", "Quokka section [xxxx] was rejected")
    first.delete()
    assert_counts_exact()
    assert stored()["quokka"] == (1, 0)

    Entry.objects.filter(vendor=vendor).delete()
    assert_counts_exact()
    assert "quokka" not in stored()


def test_it_follows_a_queryset_update_of_many_entries(vendor):
    changed = Entry.objects.filter(vendor=vendor).update(status=EntryStatus.DRAFT)
    assert changed > 3
    assert_counts_exact()
    Entry.objects.filter(vendor=vendor).update(status=EntryStatus.PUBLISHED, search_tokens=["quokka", "roster"])
    assert_counts_exact()
    assert stored()["quokka"][0] == changed


def test_it_leaves_the_counts_alone_when_nothing_they_count_changed(vendor):
    before = stored()
    Entry.objects.filter(vendor=vendor).update(helpful_count=7)
    assert stored() == before


def test_it_recounts_once_at_the_end_of_a_bulk_load(vendor):
    with search_index.bulk_load():
        assert search_index.in_bulk_load()
        Entry.objects.bulk_create(
            Entry(
                vendor=vendor,
                title=f"Bulk {n}",
                slug=f"bulk-{n}",
                key=f"bulk-{n}",
                message=f"Quokka {n} failed",
                status=EntryStatus.PUBLISHED,
                search_tokens=["bulk", "quokka", f"n{n}"],
            )
            for n in range(50)
        )
        Entry.objects.filter(vendor=vendor, title="Bulk 3").delete()
        assert "quokka" not in stored(), "the triggers are off inside a bulk load"
    assert not search_index.in_bulk_load()
    assert_counts_exact()
    assert stored()["quokka"] == (49, 0)

    make_entry(vendor, "Quokka After Bulk", "Quokka after the bulk load")
    assert stored()["quokka"] == (50, 0), "the triggers are on again after it"


def test_it_switches_the_triggers_back_on_when_a_bulk_load_fails(vendor):
    with pytest.raises(RuntimeError), search_index.bulk_load():
        make_entry(vendor, "Quokka Lost", "Quokka lost [xxxx]")
        raise RuntimeError("the load failed")
    assert not search_index.in_bulk_load()
    make_entry(vendor, "Quokka Kept", "Quokka kept [xxxx]")
    assert_counts_exact()


def test_it_keeps_the_counts_through_the_admin_paths(admin_client, vendor):
    entry = Entry.objects.get(vendor=vendor, slug="grading-category-not-found")
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = form_data(admin_client.get(url).content.decode())
    data["title"] = ["Grading Category Not Found Quokka"]
    data["causes-0-steps_text"] = [data["causes-0-steps_text"][0] + "\nRecalibrate the xylograph."]
    response = admin_client.post(url, {**data, "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_counts_exact()
    assert stored()["quokka"] == (1, 0)
    assert stored()["xylograph"] == (0, 1)

    changelist = reverse("admin:errors_kb_entry_changelist")
    for action in ("unpublish", "publish"):
        response = admin_client.post(changelist, {"action": action, "_selected_action": [entry.pk]})
        assert response.status_code == 302
        assert_counts_exact()
    assert stored()["quokka"] == (1, 0)

    response = admin_client.post(reverse("admin:errors_kb_entry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert_counts_exact()
    assert "quokka" not in stored()


def test_it_finds_an_entry_right_after_an_admin_save(admin_client, vendor, client):
    entry = Entry.objects.get(vendor=vendor, slug="grading-category-not-found")
    url = reverse("admin:errors_kb_entry_change", args=[entry.pk])
    data = form_data(admin_client.get(url).content.decode())
    data["title"] = ["Grading Category Not Found In Gradebook"]
    assert admin_client.post(url, {**data, "_save": "Save"}).status_code == 302

    # the own-words path of test_search_ways_in.py
    body = client.get(reverse("api_search"), {"q": "skyward assignment group doesnt match grading category"}).json()
    assert body["detected_vendor"] == "skyward"
    assert body["results"][0]["id"] == entry.pk
    assert body["results"][0]["title"] == "Grading Category Not Found In Gradebook"


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_it_counts_exactly_when_two_transactions_change_shared_words_at_once():
    """Each transaction changes its words in two statements, in crossed orders: word order
    alone would deadlock here (the first holds "aardvark" and wants "zebu", the second holds
    "zebu" and wants "aardvark"); the advisory lock makes the second wait for the first."""
    vendor = Vendor.objects.create(name="Concurrent SIS", slug="concurrent-sis")
    first = make_entry(vendor, "Shared Roster Failure", "Shared roster [xxxx] failed")
    second = make_entry(vendor, "Shared Section Failure", "Shared section [xxxx] failed")
    first_wrote, errors = threading.Event(), []

    def one():
        with transaction.atomic():
            Entry.objects.filter(pk=first.pk).update(search_tokens=["aardvark", "roster", "shared"])
            first_wrote.set()
            time.sleep(0.5)  # the other transaction reaches its first statement meanwhile
            Entry.objects.filter(pk=first.pk).update(content_tokens=["zebu", "shared"])

    def two():
        first_wrote.wait(5)
        with transaction.atomic():
            Entry.objects.filter(pk=second.pk).update(search_tokens=["zebu", "section", "shared"])
            Entry.objects.filter(pk=second.pk).update(content_tokens=["aardvark", "shared"])

    threads = [_in_thread(one, errors), _in_thread(two, errors)]
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    assert_counts_exact()
    assert stored()["aardvark"] == (1, 1)
    assert stored()["zebu"] == (1, 1)
    assert stored()["shared"] == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_it_counts_exactly_under_concurrent_saves_of_entries_sharing_words():
    vendor = Vendor.objects.create(name="Concurrent SIS", slug="concurrent-sis")
    entries = [
        make_entry(vendor, f"Shared Roster Failure {n}", f"Shared roster [xxxx] failed {n}", steps=["Resync it."])
        for n in range(2)
    ]
    errors: list = []

    def saves(entry: Entry, words: list[str]):
        entry = Entry.objects.get(pk=entry.pk)
        for round_ in range(15):
            with transaction.atomic():
                entry.title = f"Shared {words[round_ % len(words)]} Failure {entry.pk}"
                entry.status = EntryStatus.DRAFT if round_ % 5 == 4 else EntryStatus.PUBLISHED
                entry.save()
                step = Step.objects.filter(cause__entry=entry).first()
                step.text = f"Resync the {words[(round_ + 1) % len(words)]} gradebook."
                step.save()
                entry.refresh_content_tokens()

    threads = [
        _in_thread(lambda: saves(entries[0], ["aardvark", "zebu", "roster"]), errors),
        _in_thread(lambda: saves(entries[1], ["zebu", "aardvark", "section"]), errors),
    ]
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    assert_counts_exact()
