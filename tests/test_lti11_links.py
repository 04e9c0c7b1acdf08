"""Every entry and cause a failed check links to exists: in the fixtures, and on the entry page as #cause-N."""

import json
from pathlib import Path

import pytest

from errors_kb.lti11 import CHECKS, ENTRY_LINKS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_causes() -> dict[tuple[str, str], int]:
    """(vendor slug, entry slug) → number of causes, for every entry of every fixture file."""
    found = {}
    for path in FIXTURES.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data.get("entries", []):
            found[(entry["vendor"], entry["slug"])] = len(entry["causes"])
    return found


def test_it_links_every_check_to_an_entry_and_cause_of_the_fixtures():
    causes = fixture_causes()
    for key, link in ENTRY_LINKS.items():
        assert (link.vendor_slug, link.entry_slug) in causes, key
        assert 1 <= link.cause <= causes[(link.vendor_slug, link.entry_slug)], key
    assert {check_id for check_id, _ in CHECKS} <= set(ENTRY_LINKS)


@pytest.mark.usefixtures("dictionary")
def test_it_links_to_an_anchor_each_entry_page_has(client):
    for key, link in ENTRY_LINKS.items():
        path, anchor = link.url().split("#")
        response = client.get(path)
        assert response.status_code == 200, key
        assert f'id="{anchor}"' in response.content.decode(), key
