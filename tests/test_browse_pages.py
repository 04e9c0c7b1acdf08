import pytest

from errors_kb.models import Entry, Vendor

pytestmark = pytest.mark.usefixtures("dictionary")


def test_it_lists_every_vendor_with_its_entry_count(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/vendors/")
    assert response.status_code == 200
    for vendor in Vendor.objects.all():
        count = Entry.objects.published().filter(vendor=vendor).count()
        assert (
            f'<a href="/vendors/{vendor.slug}/">{vendor.name}</a></td><td>{vendor.get_kind_display()}</td><td>{count}</td>'
            in response.content.decode()
        )


def test_it_lists_a_vendors_entries_without_n_plus_one(client, django_assert_num_queries):
    vendor = Vendor.objects.get(slug="skyward")
    with django_assert_num_queries(3):
        response = client.get("/vendors/skyward/")
    assert response.status_code == 200
    for entry in Entry.objects.filter(vendor=vendor):
        assert entry.get_absolute_url() in response.content.decode()


def test_it_shows_an_entry_with_numbered_steps_and_marked_slots(client, django_assert_max_num_queries):
    url = (
        Entry.objects.select_related("vendor")
        .get(vendor__slug="skyward", slug="grading-category-not-found")
        .get_absolute_url()
    )
    with django_assert_max_num_queries(8):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<ol class="steps">' in html
    assert '<span class="slot" title="varies: filled in by the SIS">[xxxxx]</span>' in html
    assert "The same problem in other SIS" in html


def test_it_answers_404_in_the_portals_look(client):
    response = client.get("/vendors/skyward/no-such-entry/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert client.get("/vendors/no-such-vendor/").status_code == 404


def test_it_filters_entries_by_http_status(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        response = client.get("/entries/", {"http_status": "409"})
    page = response.context["page"]
    assert response.status_code == 200
    assert page.paginator.count == Entry.objects.published().filter(http_status=409).count()
    assert {e.vendor.slug for e in page.object_list} <= {e.vendor.slug for e in Entry.objects.filter(http_status=409)}


def test_it_keeps_the_same_query_count_on_every_page(client, django_assert_max_num_queries):
    for params in ({}, {"page": "2"}, {"vendor": "powerschool"}, {"blocks_sync": "false"}, {"q": "grading category"}):
        with django_assert_max_num_queries(7):
            assert client.get("/entries/", params).status_code == 200


def test_it_keeps_filters_in_pagination_links(client):
    response = client.get("/entries/", {"blocks_sync": "true", "sort": "title"})
    html = response.content.decode()
    if response.context["page"].has_next():
        assert 'href="?blocks_sync=true&amp;sort=title&amp;page=2"' in html


def test_it_rejects_a_bad_filter_with_a_message(client):
    response = client.get("/entries/", {"http_status": "999"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_it_finds_entries_by_words(client):
    response = client.get("/entries/", {"q": "Gradebook NUMBER"})
    entries = list(response.context["page"].object_list)
    assert "Gradebook Number Does Not Match" in [e.title for e in entries]
    assert all({"gradebook", "number"} <= set(e.search_tokens) for e in entries)


def test_the_api_lists_and_filters_entries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        body = client.get("/api/entries", {"http_status": "409"}).json()
    assert body["count"] == Entry.objects.published().filter(http_status=409).count()
    assert all(r["http_status"] == 409 for r in body["results"])
    assert set(body) == {"count", "next", "previous", "results"}


def test_the_api_paginates_with_next_links(client):
    body = client.get("/api/entries").json()
    assert body["count"] == Entry.objects.published().count()
    if body["count"] > 50:
        assert body["next"].endswith("/api/entries?page=2")
        assert len(body["results"]) == 50


def test_the_api_shows_one_entry_with_causes_and_steps(client):
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    body = client.get(f"/api/entries/{entry.id}").json()
    assert body["title"] == "Grading Category Not Found"
    assert body["causes"][0]["steps"]
    assert client.get("/api/entries/999999").status_code == 404


def test_the_api_lists_vendors_with_counts(client):
    body = client.get("/api/vendors").json()
    assert body["count"] == Vendor.objects.count()
    skyward = next(v for v in body["results"] if v["slug"] == "skyward")
    assert skyward["entry_count"] == Entry.objects.filter(vendor__slug="skyward").count()


def test_it_renders_server_errors_in_the_portals_look(rf):
    from errors_kb.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Grade Passback Error Portal" in response.content.decode()
