"""The "Did this fix it?" vote: one per browser per entry, counted, with no personal data."""

from django.test import Client
from django.urls import reverse

from errors_kb.models import Entry, EntryStatus, Feedback


def skyward_entry() -> Entry:
    return Entry.objects.get(vendor__slug="skyward", slug="grading-category-not-found")


def vote_url(entry: Entry) -> str:
    return reverse("entry_vote", args=[entry.pk])


def test_it_counts_a_yes_and_redirects_back_with_thanks(client, dictionary):
    entry = skyward_entry()
    response = client.post(vote_url(entry), {"helpful": "yes", "comment": "ignored on yes"})
    assert response.status_code == 303
    assert response["Location"] == f"{entry.get_absolute_url()}#vote-{entry.pk}"
    entry.refresh_from_db()
    assert (entry.helpful_count, entry.not_helpful_count) == (1, 0)
    assert list(Feedback.objects.values_list("entry_id", "helpful", "comment")) == [(entry.pk, True, "")]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Thank you: glad it helped." in html
    assert "You answered “Did this fix it?” for this entry from this browser." in html
    assert 'name="helpful"' not in html


def test_it_keeps_a_no_with_its_comment_masked(client, dictionary):
    entry = skyward_entry()
    client.post(
        vote_url(entry),
        {"helpful": "no", "comment": 'Student "Maria Lopez" (ID 88812) still fails on 09/22/2025'},
    )
    entry.refresh_from_db()
    assert (entry.helpful_count, entry.not_helpful_count) == (0, 1)
    assert Feedback.objects.get().comment == "Student [student name] (ID [id]) still fails on XX/XX/XXXX"


def test_it_counts_one_vote_per_browser_and_entry(client, dictionary):
    entry = skyward_entry()
    other = Entry.objects.published().exclude(pk=entry.pk).first()
    client.post(vote_url(entry), {"helpful": "yes"})
    again = client.post(vote_url(entry), {"helpful": "no"})
    client.post(vote_url(other), {"helpful": "no"})
    assert again.status_code == 303
    assert "You already answered for this entry." in client.get(again["Location"]).content.decode()
    entry.refresh_from_db()
    other.refresh_from_db()
    assert (entry.helpful_count, entry.not_helpful_count, other.not_helpful_count) == (1, 0, 1)
    assert Client().post(vote_url(entry), {"helpful": "no"}).status_code == 303  # another browser
    entry.refresh_from_db()
    assert entry.not_helpful_count == 1


def test_it_ignores_a_forged_cookie(client, dictionary):
    entry = skyward_entry()
    client.cookies["voted"] = str(entry.pk)  # unsigned: proves nothing
    client.post(vote_url(entry), {"helpful": "yes"})
    entry.refresh_from_db()
    assert entry.helpful_count == 1


def test_it_answers_json_when_asked(client, dictionary):
    entry = skyward_entry()
    first = client.post(vote_url(entry), {"helpful": "no"}, headers={"Accept": "application/json"})
    second = client.post(vote_url(entry), {"helpful": "no"}, headers={"Accept": "application/json"})
    assert first.status_code == 200
    assert first.json() == {
        "entry": entry.pk,
        "message": "Thank you: the curators will look at this entry again.",
        "recorded": True,
        "helpful": False,
        "helpful_count": 0,
        "not_helpful_count": 1,
    }
    assert second.status_code == 409 and second.json()["recorded"] is False


def test_it_refuses_a_bad_answer_without_counting(client, dictionary):
    entry = skyward_entry()
    bad = client.post(vote_url(entry), {"helpful": "maybe"}, headers={"Accept": "application/json"})
    too_long = client.post(
        vote_url(entry), {"helpful": "no", "comment": "x" * 1001}, headers={"Accept": "application/json"}
    )
    assert (bad.status_code, bad.json()["message"]) == (400, "Answer Yes or No.")
    assert too_long.status_code == 400
    page = client.post(vote_url(entry), {})
    assert page.status_code == 303
    assert "Answer Yes or No." in client.get(page["Location"]).content.decode()
    entry.refresh_from_db()
    assert (entry.helpful_count, entry.not_helpful_count, Feedback.objects.count()) == (0, 0, 0)


def test_it_takes_posts_with_a_csrf_token_only(dictionary):
    entry = skyward_entry()
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(vote_url(entry), {"helpful": "yes"}).status_code == 403
    page = browser.get(entry.get_absolute_url())
    token = page.context["csrf_token"]
    assert browser.post(vote_url(entry), {"helpful": "yes", "csrfmiddlewaretoken": str(token)}).status_code == 303
    assert browser.get(vote_url(entry)).status_code == 405
    entry.refresh_from_db()
    assert entry.helpful_count == 1


def test_it_takes_no_vote_for_a_draft_or_a_missing_entry(client, dictionary):
    entry = skyward_entry()
    Entry.objects.filter(pk=entry.pk).update(status=EntryStatus.DRAFT)
    assert client.post(vote_url(entry), {"helpful": "yes"}).status_code == 404
    assert client.post(reverse("entry_vote", args=[10**9]), {"helpful": "yes"}).status_code == 404


def test_it_offers_the_form_on_the_entry_page_and_the_confident_result(client, dictionary):
    entry = skyward_entry()
    action = f'action="{vote_url(entry)}"'
    page = client.get(entry.get_absolute_url()).content.decode()
    result = client.post(
        reverse("home"), {"q": 'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).'}
    ).content.decode()
    for html in (page, result):
        assert html.count(action) == 1
        assert "<legend>Did this fix it?</legend>" in html
        assert f'<label class="label" for="vote-comment-{entry.pk}">' in html
        assert 'value="yes"' in html and 'value="no"' in html
        assert "<script>" not in html.split(action)[1].split("</form>")[0]
        assert "style=" not in html.split(action)[1].split("</form>")[0]


def test_it_keeps_no_personal_data_with_a_vote(client, dictionary):
    entry = skyward_entry()
    client.post(
        vote_url(entry),
        {"helpful": "no", "comment": "Teacher Ana Ruiz says it still fails"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Agent/1.0",
    )
    stored = Feedback.objects.values().get()
    assert set(stored) == {"id", "entry_id", "helpful", "comment", "created_at"}
    assert stored["comment"] == "Teacher [teacher name] says it still fails"
    assert client.cookies["voted"]["httponly"] and client.cookies["voted"]["samesite"] == "Lax"
