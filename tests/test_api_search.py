import pytest

pytestmark = pytest.mark.usefixtures("dictionary")

SKYWARD_PASTE = (
    'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).\n'
    "Please ensure that your assignment categories match between Skyward and Canvas.\n"
    "Available grading categories are: Tests, Quizzes"
)


def test_it_answers_the_contract_shape(client):
    response = client.get("/api/search", {"q": SKYWARD_PASTE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"query", "vendor", "detected_vendor", "confident", "results"}
    assert body["query"] == SKYWARD_PASTE
    assert body["detected_vendor"] == "skyward"
    assert body["vendor"] == "skyward"
    assert body["confident"] is True
    top = body["results"][0]
    assert set(top) == {"id", "url", "vendor", "vendor_slug", "title", "message", "score", "match", "params"}
    assert top["vendor"] == "Skyward" and top["vendor_slug"] == "skyward"
    assert top["title"] == "Grading Category Not Found"
    assert top["url"] == "/vendors/skyward/grading-category-not-found/"
    assert top["match"] == "exact"
    assert top["params"]["category"] == "Homework"
    assert top["params"]["section"] == "1021.2.004 (ALG 1)"
    assert 0 < top["score"] <= 1


def test_it_answers_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/api/search", {"q": SKYWARD_PASTE}).status_code == 200


def test_it_is_not_confident_about_unrelated_text(client):
    body = client.get("/api/search", {"q": "The projector in room 12 does not turn on"}).json()
    assert body["confident"] is False
    assert body["detected_vendor"] is None


def test_it_accepts_a_vendor_by_name_or_slug(client):
    for vendor in ("Skyward", "skyward", "SKYWARD"):
        body = client.get("/api/search", {"q": "Internal Server Error", "vendor": vendor}).json()
        assert body["vendor"] == "skyward"


def test_it_searches_every_vendor_when_the_hint_is_unknown(client):
    response = client.get("/api/search", {"q": SKYWARD_PASTE, "vendor": "blackbaud"})
    assert response.status_code == 200
    body = response.json()
    assert body["warnings"] == ["Unknown vendor 'blackbaud': searched every vendor instead."]
    assert body["vendor"] == "skyward"
    assert body["results"][0]["vendor_slug"] == "skyward"


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({"q": ""}, "Paste an error message"),
        ({"q": "   \n\t "}, "Paste an error message"),
        ({}, "Paste an error message"),
        ({"q": "a" * 20_001}, "at most 20,000"),
        ({"q": "Internal\x00Server Error"}, "NUL bytes"),
        ({"q": "Internal Server Error", "limit": "0"}, "limit must be"),
        ({"q": "Internal Server Error", "limit": "abc"}, "limit must be"),
    ],
)
def test_it_answers_400_with_a_clear_message(client, params, complaint):
    response = client.get("/api/search", params)
    assert response.status_code == 400
    assert complaint in response.json()["error"]


def test_it_answers_400_for_undecodable_bytes(client):
    response = client.get("/api/search?q=Grading%20category%20%FF%FE%20not%20found")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]


def test_it_answers_a_paste_at_the_cap(client):
    paste = (SKYWARD_PASTE + " ") * (20_000 // (len(SKYWARD_PASTE) + 1))
    response = client.get("/api/search", {"q": paste})
    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == "Grading Category Not Found"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "' OR 1=1; DROP TABLE errors_kb_entry; --",
        "日本語のエラー 🙂 ñandú",
        "\ufffd\ufffd",
        "%%%%%%%",
        "\u202eevil",
    ],
)
def test_it_never_fails_on_odd_text(client, text):
    response = client.get("/api/search", {"q": text})
    assert response.status_code == 200
    assert response.json()["query"] == text.strip()


def test_it_answers_a_post_like_a_get(client):
    by_post = client.post("/api/search", {"q": SKYWARD_PASTE, "vendor": "skyward"})
    by_get = client.get("/api/search", {"q": SKYWARD_PASTE, "vendor": "skyward"})
    assert by_post.status_code == 200
    assert by_post.json() == by_get.json()
    assert "no-store" in by_post["Cache-Control"]


def test_it_refuses_other_methods(client):
    assert client.put("/api/search", {"q": "x"}).status_code == 405
    assert client.delete("/api/search").status_code == 405


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Internal Server Error", "limit": "\u00b2"},
        {"q": "Internal Server Error", "limit": "\u0663"},
        {"q": "Internal Server Error", "limit": "\u2460"},
        {"q": "Internal Server Error", "limit": "51"},
        {"q": "Internal Server Error", "limit": "1e3"},
        {"q": "Internal Server Error", "vendor": "v" * 101},
    ],
)
def test_it_answers_400_for_every_malformed_parameter(client, params):
    for response in (client.get("/api/search", params), client.post("/api/search", params)):
        assert response.status_code == 400
        assert response.json()["error"]


@pytest.mark.parametrize("page", ["\u2460", "\u0663", "0", "-1", "x"])
def test_it_answers_400_for_a_malformed_page(client, page):
    response = client.get("/api/entries", {"page": page})
    assert response.status_code == 400
    assert "page must be a whole number" in response.json()["error"]
