"""`make loadtest`'s generator, in a short run against gunicorn on the test database."""

import random

import pytest
from django.db import connection

from portal import loadtest
from tests.servers import database_url, gunicorn


def test_a_short_run_reports_every_kind_without_errors(live_dictionary, capsys):
    with gunicorn({"DATABASE_URL": database_url(connection.settings_dict), "RATE_LIMITS": "off"}) as base:
        stats = loadtest.run_phase(base, concurrency=3, duration=3)
    loadtest.report("smoke", stats)
    out = capsys.readouterr().out
    for kind in loadtest.KINDS:
        assert stats[kind].clients == 1
        assert len(stats[kind].latencies) > 0, kind
        assert stats[kind].errors == 0, stats[kind].first_error
        assert kind in out
    assert "p95_ms" in out and "search/healthz throughput per client" in out
    assert loadtest.ratio(stats) > 0


def test_the_request_budget_bounds_a_phase(live_dictionary):
    with gunicorn({"DATABASE_URL": database_url(connection.settings_dict), "RATE_LIMITS": "off"}) as base:
        stats = loadtest.run_phase(base, concurrency=3, duration=30, max_requests=12)
        fresh = loadtest.run_phase(
            base, concurrency=2, duration=30, max_requests=6, kinds=("search",), fresh_values=True
        )
    assert sum(len(s.latencies) for s in stats.values()) == 12
    assert len(fresh["search"].latencies) == 6 and fresh["search"].errors == 0, fresh["search"].first_error


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1:8000", "http://192.0.2.7/", "https://127.0.0.1:8000", "http://[2001:db8::1]/"]
)
def test_it_refuses_targets_off_loopback(url):
    with pytest.raises(SystemExit):
        loadtest.require_loopback(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"])
def test_it_accepts_loopback(url):
    assert loadtest.require_loopback(url)[1] == 8000


def test_the_browse_pages_come_from_the_pastes():
    paths = loadtest.browse_paths(loadtest.load_pastes())
    assert "/vendors/" in paths and "/entries/?http_status=404" in paths
    assert any(path.count("/") == 4 for path in paths)  # entry pages


def test_new_values_change_every_paste_and_keep_its_words():
    rng = random.Random(7)
    with_numbers = 'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).'
    changed = loadtest.new_values(with_numbers, rng)
    assert changed != with_numbers
    assert changed.replace(".", " ").split()[:6] == with_numbers.replace(".", " ").split()[:6]
    assert len(changed) == len(with_numbers)
    without = "Paper jam in Tray B."
    assert loadtest.new_values(without, rng).startswith(without + " (ref ")
    assert len({loadtest.new_values(with_numbers, rng) for _ in range(50)}) == 50
