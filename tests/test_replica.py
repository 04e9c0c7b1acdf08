"""Read replica routing (portal/db_router.py) against a real streaming replica of the test cluster.

The fixture copies the running local cluster with `pg_basebackup -R` (so the replica holds the
test database), starts it on its own socket directory and adds it as the "replica" database,
as DATABASE_REPLICA_URL would. Data written here is committed on the primary (replication
only sees committed rows) and deleted again at the end.
"""

import json
import os
import shutil
import tempfile
import time
from contextlib import ExitStack, contextmanager
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connections, router
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test import Client

from errors_kb.models import Entry, Feedback, Topic, Vendor
from portal import localdb
from portal.db_router import ReplicaRouter

PASTES = Path(__file__).resolve().parent / "data" / "pastes"


def _cluster_user(c, argv, **kwargs):
    return localdb._as_cluster_user(c, argv, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    if os.getenv("DATABASE_URL"):
        # pg_basebackup needs the cluster's own files and a replication login, which a server
        # someone else runs (DATABASE_URL) does not give; the routing is tested wherever the
        # project runs its own cluster, as `make test` and CI do.
        pytest.skip("DATABASE_URL names another server: the replica is streamed from the local cluster only")
    c = localdb.cluster()
    if not c.is_running:
        # `make test` starts it: not running means the set-up is broken, not that the test may pass.
        pytest.fail("the local cluster is not running: `make test` starts it (portal/localdb.py)")
    if localdb._psql(c, "SHOW wal_level") == "minimal":
        pytest.fail("the primary has wal_level=minimal: `make stop` then `make test` restarts it with replica")
    name = connections["default"].settings_dict["NAME"]
    # pytest-django has renamed the connection to the test database by now (a fixed
    # TEST_DATABASE_NAME included); anything else is a real database.
    if name != settings.DATABASES["default"].get("TEST", {}).get("NAME") and not name.startswith(TEST_DATABASE_PREFIX):
        pytest.fail(f"refusing to commit test rows outside a test database (connected to {name})")
    root = localdb._running_as_root()
    base = Path(tempfile.mkdtemp(prefix="gpp-replica-", dir="/var/tmp"))
    sockets = Path(tempfile.mkdtemp(prefix="gppr-", dir="/tmp"))  # socket paths are short
    data = base / "data"
    if root:
        for path in (base, sockets):
            shutil.chown(path, user=c.os_user)
    sockets.chmod(0o700)
    with django_db_blocker.unblock():
        # Transactional tests that ran before empty the tables: the copy needs the dictionary.
        if not Entry.objects.using("default").exists():
            call_command("load_dictionary", "--force", verbosity=0)
    copy = _cluster_user(
        c,
        [localdb._bin("pg_basebackup"), "-h", str(c.socket_dir), "-U", c.os_user, "-D", str(data)]
        + ["-R", "-X", "stream", "--checkpoint=fast", "--no-sync"],
    )
    assert copy.returncode == 0, copy.stderr
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(f"\nunix_socket_directories = '{sockets}'\nhot_standby = on\nfsync = off\n")
    started = _cluster_user(
        c, [localdb._bin("pg_ctl"), "start", "-D", str(data), "-l", str(base / "log"), "-w", "-t", "30"]
    )
    assert started.returncode == 0, started.stderr + (base / "log").read_text()
    default = connections["default"].settings_dict
    connections.settings["replica"] = {**default, "HOST": str(sockets), "TEST": {"MIRROR": None}}
    try:
        with django_db_blocker.unblock():
            yield connections["replica"]
            connections["replica"].close()
    finally:
        del connections["replica"]
        del connections.settings["replica"]
        _cluster_user(c, [localdb._bin("pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"])
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)


@pytest.fixture
def no_rate_limits(settings):
    settings.RATE_LIMITS = False


@contextmanager
def queries():
    """Every statement of both databases, in the order they ran: (alias, sql)."""
    ran: list[tuple[str, str]] = []
    with ExitStack() as stack:
        for alias in ("default", "replica"):

            def wrapper(execute, sql, params, many, context, alias=alias):
                ran.append((alias, sql))
                return execute(sql, params, many, context)

            stack.enter_context(connections[alias].execute_wrapper(wrapper))
        yield ran


def signed_in(user) -> Client:
    """A client with a session for `user`, made by hand: the sign-in's own signal handlers
    (lockouts, second factor) are tested elsewhere and need a real request."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return client


def replayed(timeout: float = 10.0) -> None:
    """Wait until the replica has replayed everything the primary committed so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with connections["replica"].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [lsn])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)


def test_the_replica_is_a_standby_of_the_primary(replica):
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database()")
        assert cursor.fetchone() == (True, connections["default"].settings_dict["NAME"])
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)
    assert router.db_for_read(Vendor) == "replica"
    assert router.db_for_read(Session) == "default"  # a login must find its session at once
    assert router.db_for_write(Vendor) == "default"
    assert Vendor.objects.count() == Vendor.objects.using("default").count() > 0


def test_the_search_reads_from_the_replica(replica, no_rate_limits):
    paste = json.loads((PASTES / "aeries.jsonl").read_text().splitlines()[0])
    with queries() as ran:
        response = Client().post("/", {"q": paste["paste"]})
    assert response.status_code == 200
    assert paste["slug"] in response.content.decode()
    on_replica = [sql for alias, sql in ran if alias == "replica"]
    assert any("errors_kb_searchtoken" in sql for sql in on_replica)
    assert any("errors_kb_entry" in sql for sql in on_replica)
    assert not [sql for alias, sql in ran if alias == "default" and sql.lstrip().upper().startswith("SELECT")]
    with queries() as ran:
        assert Client().get("/vendors/").status_code == 200
    assert {alias for alias, _ in ran} == {"replica"}


def test_an_admin_write_goes_to_the_primary_and_reaches_the_replica(replica, no_rate_limits):
    user = get_user_model().objects.create_superuser("replica-probe", "probe@example.org", "a long password 123")
    client = signed_in(user)
    try:
        with queries() as ran:
            response = client.post("/admin/errors_kb/topic/add/", {"name": "Replica probe", "slug": "replica-probe"})
        assert response.status_code == 302, response.content[:2000]
        assert ran and {alias for alias, _ in ran} == {"default"}  # the admin never reads the replica
        assert Topic.objects.using("default").filter(slug="replica-probe").exists()
        replayed()
        assert Topic.objects.using("replica").filter(slug="replica-probe").exists()
        with queries() as ran:  # signed-in staff read the primary on the public pages too
            assert client.get("/vendors/").status_code == 200
        assert {alias for alias, _ in ran} == {"default"}
    finally:
        Topic.objects.using("default").filter(slug="replica-probe").delete()
        user.delete()
        Session.objects.all().delete()


def test_a_request_that_wrote_reads_its_own_writes_from_the_primary(replica, no_rate_limits):
    entry = Entry.objects.using("default").filter(status="published").order_by("pk").first()
    before = entry.helpful_count
    try:
        with queries() as ran:
            response = Client().post(f"/entries/{entry.pk}/vote/", {"helpful": "yes"}, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["helpful_count"] == before + 1
        first_write = next(i for i, (alias, sql) in enumerate(ran) if sql.lstrip().upper().startswith("UPDATE"))
        assert ran[first_write][0] == "default"
        after = ran[first_write:]
        assert not [sql for alias, sql in after if alias == "replica"]
        assert any("helpful_count" in sql and sql.lstrip().upper().startswith("SELECT") for _, sql in after)
    finally:
        Feedback.objects.filter(entry=entry).delete()
        Entry.objects.filter(pk=entry.pk).update(helpful_count=before)


# Marked: it also makes pytest-django set up the test database this module's fixture copies
# (the other tests commit through django_db_blocker, outside a test transaction).
@pytest.mark.django_db
def test_without_a_replica_everything_uses_the_primary():
    assert "replica" not in connections.settings
    assert ReplicaRouter().db_for_read(Vendor) == "default"
    assert ReplicaRouter().allow_migrate("replica", "errors_kb") is False
