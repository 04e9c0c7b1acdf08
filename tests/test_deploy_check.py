"""`manage.py check --deploy` is clean with the production environment README.md documents
("Security headers"), and names what is missing without it."""

import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.servers import PROJECT_DIR

SECTION = "## Security headers"


def documented_production_env() -> dict[str, str]:
    """The `KEY=value` lines of the first ```sh block in README.md's "Security headers"."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme[readme.index(SECTION) :]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    env = dict(line.split("=", 1) for line in block.splitlines() if "=" in line and not line.startswith("#"))
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    # A placeholder such as <postgresql://…> stands for the site's own value; the check does
    # not connect to the database, so the local default serves.
    return {name: value for name, value in env.items() if not value.startswith("<")}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment never does.
    names = set(documented_production_env()) | {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {name: value for name, value in os.environ.items() if name not in names}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_environment_passes_check_deploy():
    env = documented_production_env()
    assert {"HTTPS_REDIRECT", "HSTS_SECONDS", "SECURE_COOKIES", "ALLOWED_HOSTS"} <= set(env)
    result = check_deploy(env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_without_it_check_deploy_names_hsts_redirect_and_cookies():
    result = check_deploy({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50)})
    assert result.returncode != 0
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("HTTPS_REDIRECT", "maybe", "HTTPS_REDIRECT must be true or false"),
        ("HSTS_SECONDS", "a year", "HSTS_SECONDS must be an integer"),
        ("TRUSTED_PROXY_HTTPS_HEADER", "X-Forwarded-Proto: https", "TRUSTED_PROXY_HTTPS_HEADER must be a header name"),
    ],
)
def test_it_fails_loudly_on_bad_values(name, value, complaint):
    result = check_deploy({name: value})
    assert result.returncode != 0
    assert complaint in result.stderr


def test_it_maps_the_proxy_header_name_to_django_setting():
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings as s; print(s.SECURE_PROXY_SSL_HEADER)"],
        cwd=PROJECT_DIR,
        env={**os.environ, "TRUSTED_PROXY_HTTPS_HEADER": "X-Forwarded-Proto"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"
