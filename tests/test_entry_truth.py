"""What a reader sees is true: Canvas Medical's FHIR API is not presented as a school system,
success is not shown as an error, editorial notes stay with staff, and renamed URLs redirect."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import reverse

from errors_kb.models import Entry, Vendor, VendorKind
from errors_kb.roles import SUPPORT_AGENTS
from errors_kb.search import search

pytestmark = pytest.mark.usefixtures("dictionary")

FHIR_BANNER = "Not a school grade sync system."


def _fhir_entries():
    return list(Entry.objects.published().filter(vendor__slug="canvas-medical").select_related("vendor"))


def test_it_names_the_fhir_vendor_for_what_it_is():
    vendor = Vendor.objects.get(slug="canvas-medical")
    assert vendor.name == "Canvas Medical (FHIR API)"
    assert vendor.aliases == ["Canvas Medical"]
    assert vendor.kind == VendorKind.OTHER
    assert "health records" in vendor.description
    assert "not Instructure's Canvas LMS" in vendor.description
    assert "never produce these errors" in vendor.description
    assert len(_fhir_entries()) == 8
    assert not Vendor.objects.filter(slug="canvas-api").exists()


def test_it_shows_the_not_a_school_system_banner_on_every_fhir_page(client):
    vendor_page = client.get(reverse("vendor_detail", args=["canvas-medical"])).content.decode()
    assert FHIR_BANNER in vendor_page
    for entry in _fhir_entries():
        html = client.get(entry.get_absolute_url()).content.decode()
        assert FHIR_BANNER in html, entry.title


def test_it_keeps_the_banner_off_school_system_pages(client):
    html = client.get(reverse("entry_detail", args=["skyward", "grading-category-not-found"])).content.decode()
    assert FHIR_BANNER not in html


def test_it_redirects_the_old_canvas_api_urls_permanently(client):
    response = client.get("/vendors/canvas-api/")
    assert (response.status_code, response["Location"]) == (301, "/vendors/canvas-medical/")
    entry = _fhir_entries()[0]
    response = client.get(f"/vendors/canvas-api/{entry.slug}/")
    assert (response.status_code, response["Location"]) == (301, entry.get_absolute_url())


def test_it_redirects_a_renamed_entry_slug_permanently(client):
    entry = Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")
    entry.former_slugs = ["category-missing"]
    entry.slug = "grading-category-not-found-in-skyward"
    entry.save()
    response = client.get("/vendors/skyward/category-missing/")
    assert (response.status_code, response["Location"]) == (
        301,
        "/vendors/skyward/grading-category-not-found-in-skyward/",
    )
    assert client.get("/vendors/skyward/no-such-entry/").status_code == 404


def test_it_leaves_the_fhir_vendor_out_of_the_sis_picker(client):
    html = client.get(reverse("home")).content.decode()
    picker = re.search(r'<select id="vendor".*?</select>', html, re.S).group()
    assert "Canvas Medical" not in picker
    assert "Skyward" in picker


def test_it_never_sends_fhir_readers_to_instructures_canvas_support():
    for entry in Entry.objects.filter(vendor__slug="canvas-medical").prefetch_related("causes__steps"):
        for cause in entry.causes.all():
            for step in cause.steps.all():
                assert not re.search(r"Canvas support|Instructure support|community\.canvaslms", step.text), step.text


def test_it_shows_200_ok_as_success_not_as_an_error(client):
    entry = Entry.objects.get(vendor__slug="canvas-medical", http_status=200)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "This is not an error:" in html
    assert "does not prevent other grades from posting" not in html
    listing = client.get(reverse("vendor_detail", args=["canvas-medical"])).content.decode()
    row = re.search(rf'<tr><td><a href="{entry.get_absolute_url()}">.*?</tr>', listing, re.S).group()
    assert "Success, not an error" in row
    assert "Other grades still post" not in row


def test_it_never_shows_internal_notes_to_anonymous_readers(client):
    noted = Entry.objects.published().exclude(internal_notes="")
    assert noted.count() >= 50
    for entry in noted.select_related("vendor"):
        html = client.get(entry.get_absolute_url()).content.decode()
        assert "Internal note" not in html
        assert entry.internal_notes.splitlines()[0][:60] not in html


def test_it_shows_internal_notes_to_signed_in_staff(client):
    staff = User.objects.create_user("agent", password="long-enough-password-1", is_staff=True)
    staff.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    client.force_login(staff)
    entry = Entry.objects.published().exclude(internal_notes="").select_related("vendor").first()
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "Internal note (staff only)" in html


def test_it_finds_each_fhir_entry_by_its_own_text_with_the_vendor_hint():
    for entry in _fhir_entries():
        ranking = search(entry.message, "Canvas Medical", max_chars=settings.SEARCH_MAX_CHARS).ranking
        assert ranking.results[0].candidate.id == entry.id, entry.title
        assert ranking.confident, entry.title


@pytest.mark.parametrize("text", ["401 Unauthorized", "403 Forbidden", "404 Not Found"])
def test_it_never_answers_a_bare_status_line_confidently(text):
    assert search(text, max_chars=settings.SEARCH_MAX_CHARS).ranking.confident is False
