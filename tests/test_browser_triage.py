"""The triage page in a browser: a generated 10,000-line report uploaded, its groups counted as
the generator's truth says, one row expanded, values shown and hidden without a request, the
answer exported as CSV; the page without JavaScript; accessibility of the form and the answer."""

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from errors_kb.bench.reports import generate
from tests.test_browser_accessibility import RULES

pytestmark = pytest.mark.browser


def axe_violations(page) -> list[str]:
    results = Axe().run(page, options=RULES)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


def twin_counts(report, pairs) -> Counter:
    """Counts per entry, a message several SIS share word for word counted once for all of them."""
    counts = Counter()
    for entry_id, count in pairs:
        counts[min({entry_id, *report.twins.get(entry_id, ())})] += count
    return counts


def test_it_triages_an_uploaded_10000_line_report(live_server, page, live_dictionary, tmp_path, screenshot):
    report = generate(10_000, fmt="text", seed=10)
    path = tmp_path / "sync-report.log"
    path.write_text(report.text)
    page.goto(live_server.url + reverse("triage"))
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.get_by_label("Or upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Triage the report").click()
    summary = page.locator("#triage-summary")
    summary.wait_for(timeout=30_000)
    assert summary.inner_text().startswith(f"10000 lines: {report.known_lines} explained by")
    assert page.url == live_server.url + reverse("triage")  # answered in place, by the script
    assert page.locator("#triage-progress").is_hidden()

    rows = page.locator("#triage-groups tbody tr.triage-row")
    shown = [
        (int(row.get_attribute("data-entry-id")), int(row.locator(".triage-count").inner_text())) for row in rows.all()
    ]
    assert twin_counts(report, shown) == twin_counts(report, report.expected_counts().items())
    assert [count for _, count in shown] == sorted((count for _, count in shown), reverse=True)

    # Expand a row with personal values: masked until "Show values" is ticked, with no request.
    row = page.locator("tr.triage-row", has=page.locator(".raw-value")).first
    row.locator("summary").click()
    masked, raw = row.locator(".masked-value").first, row.locator(".raw-value").first
    assert masked.is_visible() and not raw.is_visible()
    assert row.locator(".triage-line-numbers").is_visible()
    posts_before = len(sent)
    page.get_by_label("Show student and teacher values").check()
    assert raw.is_visible() and not masked.is_visible()
    page.get_by_label("Show student and teacher values").uncheck()
    assert masked.is_visible()
    assert len(sent) == posts_before
    screenshot(page, "triage-result-desktop")
    assert axe_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "triage.csv"
    exported = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    entries = [r for r in exported if r["kind"] == "entry"]
    assert [int(r["count"]) for r in entries] == [count for _, count in shown]
    assert sum(int(r["count"]) for r in exported if r["kind"] == "unknown") == 10_000 - report.known_lines
    assert len(sent) == posts_before  # the export is built from the answer on the page


def test_it_triages_a_pasted_report_without_javascript(live_server, browser, live_dictionary):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("triage"))  # axe checks the form in test_browser_accessibility
    report = generate(300, fmt="csv", seed=2)
    page.get_by_label("Sync report").fill(report.text)
    page.get_by_role("button", name="Triage the report").click()
    page.wait_for_load_state()
    assert page.locator("#triage-summary").inner_text().startswith(f"300 lines: {report.known_lines} explained by")
    assert page.get_by_role("button", name="Download CSV").is_hidden()  # the form's "Download CSV" instead
    row = page.locator("tr.triage-row", has=page.locator(".raw-value")).first
    row.locator("summary").click()
    page.get_by_label("Show student and teacher values").check()  # CSS alone shows them
    assert row.locator(".raw-value").first.is_visible()
    context.close()
