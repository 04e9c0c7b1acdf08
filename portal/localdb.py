"""The project-local PostgreSQL cluster used when DATABASE_URL is not set.

    python -m portal.localdb start   # initdb once, start, create role and database
    python -m portal.localdb stop
    python -m portal.localdb status

Standard library only: it runs before Django is configured. The server listens on a
Unix socket only (no TCP port to collide with another clone); the socket lives in a
short directory under /tmp named after this checkout, because socket paths are limited
to 107 bytes. `initdb` refuses to run as root, so as root the cluster belongs to the
`postgres` system user.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "portal"
DB_USER = "portal"
PG_MAJOR = "15"


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    socket_dir: Path
    log_file: Path
    os_user: str

    @property
    def is_running(self) -> bool:
        return (self.socket_dir / ".s.PGSQL.5432").exists() and _pg_ctl_status(self)


def _checkout_tag() -> str:
    return hashlib.sha1(str(PROJECT_DIR).encode()).hexdigest()[:10]


def socket_dir() -> Path:
    return Path(f"/tmp/gpp-{_checkout_tag()}")


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _os_user() -> str:
    return "postgres" if _running_as_root() else pwd.getpwuid(os.geteuid()).pw_name


def _user_can_reach(user: str, path: Path) -> bool:
    if not _running_as_root() or user == "root":
        return True
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path)], capture_output=True)
    return probe.returncode == 0


def cluster() -> Cluster:
    var_dir = PROJECT_DIR / "var"
    var_dir.mkdir(exist_ok=True)
    user = _os_user()
    base = var_dir / "postgres"
    if _running_as_root():
        base.mkdir(exist_ok=True)
        shutil.chown(base, user=user)
        if not _user_can_reach(user, base):
            # A checkout under /root is not traversable by the postgres user.
            base = Path(f"/var/tmp/gpp-{_checkout_tag()}")
            base.mkdir(exist_ok=True)
            shutil.chown(base, user=user)
    else:
        base.mkdir(exist_ok=True)
    return Cluster(
        data_dir=base / "data",
        socket_dir=socket_dir(),
        log_file=base / "server.log",
        os_user=user,
    )


def pg_bin_dir() -> Path | None:
    for candidate in [
        f"/usr/lib/postgresql/{PG_MAJOR}/bin",
        *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True),
    ]:
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _bin(name: str) -> str:
    directory = pg_bin_dir()
    if directory is None:
        sys.exit(
            "PostgreSQL server binaries (initdb, pg_ctl) are missing.\n"
            "Install them with: sudo apt-get install postgresql\n"
            "or set DATABASE_URL to an existing PostgreSQL."
        )
    return str(directory / name)


def _as_cluster_user(c: Cluster, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _running_as_root():
        argv = ["runuser", "-u", c.os_user, "--", *argv]
    return subprocess.run(argv, **kwargs)


def _pg_ctl_status(c: Cluster) -> bool:
    if not (c.data_dir / "PG_VERSION").exists():
        return False
    result = _as_cluster_user(c, [_bin("pg_ctl"), "status", "-D", str(c.data_dir)], capture_output=True)
    return result.returncode == 0


def _psql(c: Cluster, sql: str, database: str = "postgres") -> str:
    result = _as_cluster_user(
        c,
        [_bin("psql"), "-h", str(c.socket_dir), "-U", c.os_user, "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _init(c: Cluster) -> None:
    c.data_dir.mkdir(parents=True, exist_ok=True)
    if _running_as_root():
        shutil.chown(c.data_dir, user=c.os_user)
    c.data_dir.chmod(0o700)
    result = _as_cluster_user(
        c,
        [_bin("initdb"), "-D", str(c.data_dir), "-U", c.os_user, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    with open(c.data_dir / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# Grade Passback Error Portal: local, socket-only cluster\n"
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{c.socket_dir}'\n"
            "unix_socket_permissions = 0700\n"
            "shared_buffers = 128MB\n"
            "fsync = on\n"
            # A streaming replica (pg_basebackup -R over the socket: tests/test_replica.py).
            "wal_level = replica\n"
            "max_wal_senders = 4\n"
        )


def start() -> Cluster:
    c = cluster()
    if not (c.data_dir / "PG_VERSION").exists():
        print(f"localdb: creating a PostgreSQL cluster in {c.data_dir}")
        _init(c)
    if not _pg_ctl_status(c):
        c.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if _running_as_root():
            shutil.chown(c.socket_dir, user=c.os_user)
        if not c.log_file.exists():
            c.log_file.touch()
        if _running_as_root():
            shutil.chown(c.log_file, user=c.os_user)
        result = _as_cluster_user(
            c,
            [_bin("pg_ctl"), "start", "-D", str(c.data_dir), "-l", str(c.log_file), "-w", "-t", "60"],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.exit(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\nsee {c.log_file}")
    for _ in range(100):
        if (c.socket_dir / ".s.PGSQL.5432").exists():
            break
        time.sleep(0.1)
    _ensure_role_and_database(c)
    _ensure_local_replication(c)
    return c


def _ensure_local_replication(c: Cluster) -> None:
    """Let the cluster's owner stream it over the socket (pg_basebackup -R), old clusters too.

    initdb's pg_hba.conf already trusts `local replication all`; a cluster whose file lost
    that line gets it back (a reload applies it). wal_level and max_wal_senders default to
    replica and 10 since PostgreSQL 10; changing them needs a restart, so it is only reported.
    """
    hba = c.data_dir / "pg_hba.conf"
    try:
        lines = [line.split() for line in hba.read_text().splitlines() if line.strip() and not line.startswith("#")]
    except OSError:
        return
    if not any(words[:2] == ["local", "replication"] for words in lines):
        with open(hba, "a") as conf:
            conf.write("\n# Grade Passback Error Portal: streaming replicas over the local socket\n")
            conf.write("local   replication     all                                     trust\n")
        _psql(c, "SELECT pg_reload_conf()")
    if _psql(c, "SHOW wal_level") == "minimal":
        print("localdb: wal_level is minimal; `make stop` then `make run` to allow replicas", file=sys.stderr)


def _ensure_role_and_database(c: Cluster) -> None:
    if _psql(c, f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'") != "1":
        # CREATEDB lets the test runner create its test database; no superuser.
        _psql(c, f"CREATE ROLE {DB_USER} LOGIN CREATEDB")
    if _psql(c, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
        _psql(c, f"CREATE DATABASE {DB_NAME} OWNER {DB_USER} ENCODING 'UTF8' TEMPLATE template0")


def stop() -> None:
    c = cluster()
    if _pg_ctl_status(c):
        _as_cluster_user(c, [_bin("pg_ctl"), "stop", "-D", str(c.data_dir), "-m", "fast", "-w"], check=True)
        print("localdb: stopped")
    else:
        print("localdb: not running")


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        c = start()
        print(f"localdb: running (data {c.data_dir}, socket {c.socket_dir})")
    elif command == "stop":
        stop()
    elif command == "status":
        c = cluster()
        print("running" if _pg_ctl_status(c) else "stopped")
        sys.exit(0 if _pg_ctl_status(c) else 3)
    elif command == "check-binaries":
        _bin("initdb")
    else:
        sys.exit(f"usage: python -m portal.localdb start|stop|status|check-binaries (not {command!r})")


if __name__ == "__main__":
    main(sys.argv)
