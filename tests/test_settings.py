import os
import subprocess
import sys

import pytest

from tests.servers import PROJECT_DIR


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings as s; print(s.DEBUG, s.DATABASES['default']['NAME'])"],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("SEARCH_MAX_CHARS", "lots", "SEARCH_MAX_CHARS must be an integer"),
        ("SEARCH_MAX_CHARS", "5", "SEARCH_MAX_CHARS must be at least 100"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL must start with postgres"),
        ("DATABASE_URL", "postgresql://u@h", "DATABASE_URL must name a database"),
    ],
)
def test_it_fails_loudly_on_bad_values(name, value, complaint):
    result = load_settings(**{name: value})
    assert result.returncode != 0
    assert complaint in result.stderr


def test_it_keeps_debug_off_unless_asked():
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings as s; print(s.DEBUG)"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "False"


def test_it_reads_database_url():
    result = load_settings(DATABASE_URL="postgresql://alice:s%40cret@db.example:6543/kb")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "kb"]
