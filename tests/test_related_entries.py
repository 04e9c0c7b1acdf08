"""The "same problem in other SIS" and "related Clever and LTI 1.1 errors" links, and the topics behind them."""

import json
from pathlib import Path

import pytest

from errors_kb.management.commands.load_dictionary import dictionary_data
from errors_kb.models import (
    RELATED_INTEGRATIONS_LIMIT,
    SAME_PROBLEM_LIMIT,
    Entry,
    Topic,
    VendorKind,
)

pytestmark = pytest.mark.usefixtures("dictionary")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FHIR_PREFIX = "fhir-api-"


def entry(vendor_slug: str, slug: str) -> Entry:
    return Entry.objects.with_details().get(vendor__slug=vendor_slug, slug=slug)


def topic_slugs(found: Entry) -> set[str]:
    return {topic.slug for topic in found.topics.all()}


def fixture_topics(vendor_slug: str, slug: str) -> list[str]:
    """The entry's topics as the fixture orders them: the first is its primary family."""
    data = json.loads((FIXTURES / f"{vendor_slug}.json").read_text(encoding="utf-8"))
    return next(e["topics"] for e in data["entries"] if e["slug"] == slug)


def every_entry():
    return Entry.objects.published().with_details().order_by("vendor__name", "title", "id")


def test_it_lists_six_other_sis_for_skyward_grading_category_not_found_twins_first():
    skyward = entry("skyward", "grading-category-not-found")
    primary = fixture_topics("skyward", "grading-category-not-found")[0]
    assert primary == "grading-category-mismatch"

    same = Entry.objects.published().same_problem_as(skyward)

    assert len(same) == SAME_PROBLEM_LIMIT == 6
    for other in same:
        assert other.vendor.kind == VendorKind.SIS
        assert other.vendor.slug != "skyward"
        assert primary in topic_slugs(other), other
    # one entry per SIS while other SIS have one to offer
    assert len({other.vendor.slug for other in same}) == len(same)
    # the near twins ("Grading category ... not found in <SIS> ...") come first
    twins = [other.vendor.slug for other in same[:5]]
    assert all(other.message.startswith("Grading category") for other in same[:5]), twins
    assert set(twins) == {"aeries", "aspen", "focus", "q-sis", "synergy"}
    assert same[0].vendor.slug == "aeries"  # the closest wording of all


def test_it_ranks_entries_sharing_more_topics_first():
    locked = entry("powerschool", "409-error-assignment-is-locked")
    assert len(topic_slugs(locked)) == 2

    same = Entry.objects.published().same_problem_as(locked)

    shared = [len(other.shared_topics) for other in same]
    assert shared == sorted(shared, reverse=True)
    assert shared[0] == 2
    assert {other.vendor.slug for other in same if len(other.shared_topics) == 2} == {"focus", "skyward"}


def test_it_never_links_an_sis_entry_to_clever_fhir_or_lti():
    published = Entry.objects.published()
    listing = 0
    for sis_entry in every_entry().filter(vendor__kind=VendorKind.SIS):
        same = published.same_problem_as(sis_entry)
        listing += bool(same)
        assert len(same) <= SAME_PROBLEM_LIMIT
        for other in same:
            assert other.vendor.kind == VendorKind.SIS, (sis_entry, other)
            assert other.vendor_id != sis_entry.vendor_id, (sis_entry, other)
            assert other.status == "published"
            assert {t.slug for t in other.shared_topics} <= topic_slugs(sis_entry)
            assert other.shared_topics, (sis_entry, other)
        integrations = published.related_integrations(sis_entry)
        assert len(integrations) <= RELATED_INTEGRATIONS_LIMIT
        for other in integrations:
            assert other.vendor.kind == VendorKind.INTEGRATION, (sis_entry, other)
            assert other.shared_topics, (sis_entry, other)
    # nearly every SIS error has a counterpart in another SIS
    assert listing >= 70


def test_it_gives_clever_and_lti_entries_sis_links_of_their_own_family():
    published = Entry.objects.published()
    user_not_found = entry("clever", "user-not-found")
    same = published.same_problem_as(user_not_found)
    assert same
    assert all(other.vendor.kind == VendorKind.SIS for other in same)
    assert all("enrollment-mismatch" in topic_slugs(other) for other in same)
    # the other integration's entries, never Clever's own
    for other in published.related_integrations(user_not_found):
        assert other.vendor.slug != "clever"


def test_it_links_sis_errors_to_clever_and_lti_errors_in_a_separate_list():
    token_expired = entry("skyward", "canvas-authentication-error")

    integrations = Entry.objects.published().related_integrations(token_expired)

    vendors = {other.vendor.slug for other in integrations}
    assert {"clever", "lti-1-1"} <= vendors
    assert all("authentication" in topic_slugs(other) for other in integrations)
    assert not any(
        other.vendor.kind == VendorKind.INTEGRATION
        for other in Entry.objects.published().same_problem_as(token_expired)
    )


def test_it_no_longer_carries_the_mislabelled_topics():
    user_does_not_teach = topic_slugs(entry("powerschool", "403-error-user-does-not-teach-section"))
    assert "authentication" not in user_does_not_teach
    assert "grading-category-mismatch" in user_does_not_teach

    for slug in ("due-date-in-the-past", "past-due-date-on-update", "missing-required-fields"):
        clever = topic_slugs(entry("clever", slug))
        assert "due-date-outside-grading-period" not in clever, slug
        assert "missing-due-date" not in clever, slug
        assert "assignment-validation" in clever, slug
    assert not Entry.objects.filter(vendor__slug="clever", topics__slug="due-date-outside-grading-period").exists()

    synergy_locked = topic_slugs(entry("synergy", "assignment-locked"))
    assert "gradebook-link-broken" not in synergy_locked
    assert synergy_locked == {"locked-assignment"}


def test_it_keeps_canvas_medical_out_of_the_school_sync_families():
    published = Entry.objects.published()
    medical = list(every_entry().filter(vendor__slug="canvas-medical"))
    assert medical
    for fhir_entry in medical:
        assert fhir_entry.vendor.kind == VendorKind.OTHER
        assert all(slug.startswith(FHIR_PREFIX) for slug in topic_slugs(fhir_entry)), fhir_entry
        # nothing links from a health-records API to school grade syncs
        assert published.same_problem_as(fhir_entry) == []
        assert published.related_integrations(fhir_entry) == []
    assert (
        not Entry.objects.exclude(vendor__slug="canvas-medical").filter(topics__slug__startswith=FHIR_PREFIX).exists()
    )

    medical_ids = {e.id for e in medical}
    for other_entry in every_entry().exclude(vendor__slug="canvas-medical"):
        listed = published.same_problem_as(other_entry) + published.related_integrations(other_entry)
        assert not medical_ids & {e.id for e in listed}, other_entry


def test_it_uses_every_topic_of_topics_json():
    slugs = [t["slug"] for t in json.loads((FIXTURES / "topics.json").read_text(encoding="utf-8"))["topics"]]
    assert len(slugs) == len(set(slugs))
    used = {slug for e in dictionary_data()["entries"] for slug in e["topics"]}
    assert set(slugs) - used == set()
    assert set(Topic.objects.filter(entries__isnull=True).values_list("slug", flat=True)) == set()


def test_it_gives_every_entry_one_or_two_topics():
    for record in dictionary_data()["entries"]:
        topics = record["topics"]
        assert len(topics) == len(set(topics)), record["key"]
        if record["http_status"] == 200:
            # a documented success is no problem family
            assert topics == [], record["key"]
        else:
            assert 1 <= len(topics) <= 2, record["key"]


def test_it_finds_both_lists_in_one_query(django_assert_num_queries):
    skyward = entry("skyward", "student-not-enrolled")
    published = Entry.objects.published()
    with django_assert_num_queries(1):
        links = published.related_links(skyward)
        # vendor and shared topics come along: rendering the links needs no query
        for other in links["same_problem"] + links["related_integrations"]:
            assert other.get_absolute_url() and other.vendor.name and other.shared_topics
    assert links["same_problem"] and links["related_integrations"]
    same_ids = [e.id for e in links["same_problem"]]
    integration_ids = [e.id for e in links["related_integrations"]]
    with django_assert_num_queries(2):
        assert [e.id for e in published.same_problem_as(skyward)] == same_ids
        assert [e.id for e in published.related_integrations(skyward)] == integration_ids


def test_it_renders_both_sections_on_an_sis_entry_page(client):
    skyward = entry("skyward", "student-not-enrolled")
    html = client.get(skyward.get_absolute_url()).content.decode()

    assert '<section class="card no-print related" aria-labelledby="same-problem-heading">' in html
    assert '<h2 id="same-problem-heading">The same problem in other SIS</h2>' in html
    assert '<section class="card no-print related" aria-labelledby="related-integrations-heading">' in html
    assert '<h2 id="related-integrations-heading">Related Clever and LTI 1.1 errors</h2>' in html
    assert entry("aeries", "student-does-not-belong").get_absolute_url() in html
    assert entry("clever", "user-not-found").get_absolute_url() in html
    assert "/vendors/canvas-medical/" not in html


def test_it_words_the_sis_heading_for_integrations_and_shows_nothing_for_canvas_medical(client):
    clever = client.get(entry("clever", "user-not-found").get_absolute_url()).content.decode()
    assert "The same problem in SIS grade syncs" in clever
    assert "The same problem in other SIS" not in clever

    medical = client.get(entry("canvas-medical", "401-unauthorized").get_absolute_url()).content.decode()
    assert "same-problem-heading" not in medical
    assert "related-integrations-heading" not in medical
