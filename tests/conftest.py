import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

# Playwright's sync API runs an event loop in the test thread; the database calls the
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests search hundreds of times from one address, and sign in without a second factor: both
# are switched off for the suite, here for the servers the tests start and in the fixture
# below for the test process; tests/test_rate_limits.py and tests/test_admin_signin.py switch
# them on where they test them.
os.environ.setdefault("RATE_LIMITS", "off")
os.environ.setdefault("ADMIN_REQUIRE_2FA", "false")

CHROMIUM = os.getenv("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# The source documents live beside the project in CI (../shared/seeds); a user's clone has
# none, and the tests that compare the fixtures with them skip there, saying why.
SOURCES_DIR = Path(os.getenv("SOURCES_DIR", Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"))
needs_sources = pytest.mark.skipif(
    not SOURCES_DIR.is_dir(), reason=f"the source documents are not in {SOURCES_DIR} (set SOURCES_DIR)"
)


def pytest_sessionfinish(session, exitstatus):
    """CI has every part the tests need, so there a skipped test is a failure (.ci/run sets this)."""
    if os.getenv("FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"FAIL_ON_SKIP=1: {len(skipped)} test(s) skipped; every test must run here.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def no_rate_limits_nor_second_factor(settings):
    settings.RATE_LIMITS = False
    settings.ADMIN_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def cold_worker_memory():
    """Each test starts as a fresh worker: nothing of another test's answers or entries in memory
    (tests that patch the matcher must not get an answer ranked before they patched it)."""
    from django.core.cache import caches

    from errors_kb import dictionary_cache, search_memo

    dictionary_cache.clear()
    search_memo.forget()
    caches["fragments"].clear()


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    """The test server serves static files from their sources, not collected hashed copies."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the dictionary once into the test database; `db` tests roll back over it."""
    with django_db_blocker.unblock():
        call_command("load_dictionary", verbosity=0)
    yield
    # A live-server thread or a server process a test started can still hold a connection
    # when the session ends; pytest-django could then not drop the test database.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def dictionary(db):
    """The whole dictionary, as `make run` loads it from fixtures/."""


@pytest.fixture
def empty_db(db):
    """No entries, vendors or topics (inside the test's transaction)."""
    from errors_kb import search_index
    from errors_kb.models import Entry, SearchToken, Topic, Vendor

    # One recount instead of the count triggers for each row (seconds on a busy machine,
    # past the portal's statement_timeout).
    with search_index.bulk_load():
        Entry.objects.all().delete()
        Vendor.objects.all().delete()
        Topic.objects.all().delete()
    SearchToken.objects.all().delete()


@pytest.fixture
def live_dictionary(transactional_db):
    """Transactional tests empty the tables when they end, so each loads its own copy."""
    call_command("load_dictionary", "--force", verbosity=0)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Reports each Content-Security-Policy violation a page meets (README "Security headers").
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) =>
  window.cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.documentURI}`));"""


def watch_csp(context) -> list[str]:
    """Collects the context's CSP violations: the browser's console messages and the
    securitypolicyviolation events (an init script runs before, and apart from, the page's CSP)."""
    seen: list[str] = []
    context.expose_binding("cspViolation", lambda source, text: seen.append(text))
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.append(message.text)

    context.on("console", on_console)
    return seen


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    csp_violations = watch_csp(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    if csp_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(csp_violations)))


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
