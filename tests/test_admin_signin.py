"""Admin sign-in: django-axes lockout, password validators, the TOTP second factor, ADMIN_PATH."""

from __future__ import annotations

import hmac
import os
import re
import struct
import subprocess
import sys
import time
from base64 import b32decode
from datetime import timedelta
from hashlib import sha1
from html import unescape
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.servers import PROJECT_DIR

PASSWORD = "correct horse battery staple"


def rfc6238(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """TOTP (RFC 6238, HMAC-SHA1), written here from the RFC as the tests' oracle."""
    key = b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def test_it_computes_the_rfc_6238_test_vector():
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert rfc6238(secret, at=59, digits=8) == "94287082"
    assert rfc6238(secret, at=1111111109, digits=8) == "07081804"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "casey", "casey@example.org", PASSWORD, is_staff=True, is_superuser=True
    )


def sign_in(client, password: str, address: str = "192.0.2.60"):
    return client.post(
        reverse("admin:login"),
        {"username": "casey", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_it_locks_out_after_five_wrong_passwords_until_the_cool_off(client, staff, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        sign_in(client, "wrong password")
    refused = sign_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "locked" in refused.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in

    # The lockout is for this username from this address only.
    other = client.__class__()
    assert sign_in(other, PASSWORD, address="192.0.2.61").status_code == 302
    other.post(reverse("admin:logout"))

    # After the cool-off (15 minutes) the right password works again.
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_it_unlocks_with_the_axes_reset_command(client, staff):
    for _ in range(5):
        sign_in(client, "wrong password")
    assert sign_in(client, PASSWORD).status_code == 429
    call_command("axes_reset", stdout=StringIO())
    assert sign_in(client, PASSWORD).status_code == 302


def test_it_rejects_weak_passwords(db, monkeypatch):
    with pytest.raises(ValidationError) as error:
        validate_password("a")
    assert any("at least 12 characters" in message for message in error.value.messages)
    with pytest.raises(ValidationError):
        validate_password("123456789012")  # all digits
    with pytest.raises(ValidationError):
        validate_password("password1234")  # common
    monkeypatch.setenv("ACCOUNT_PASSWORD", "a")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("create_account", "sam", "--role", "agent", "--noinput", stdout=StringIO())
    assert not get_user_model().objects.filter(username="sam").exists()


def test_it_makes_a_staff_user_set_up_a_second_factor(client, staff, settings):
    settings.ADMIN_REQUIRE_2FA = True
    assert sign_in(client, PASSWORD).status_code == 302
    # Signed in with the password only: no admin page, the second-factor page instead.
    index = client.get(reverse("admin:index"), follow=True)
    assert index.redirect_chain[-1][0].startswith(reverse("admin:two_factor"))
    page = index.content.decode()
    assert "Set up a second factor" in page
    uri = unescape(re.search(r'id="totp-uri">([^<]+)<', page).group(1))
    assert uri.startswith("otpauth://totp/")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert 'src="data:image/svg+xml' in page  # the QR code
    for path in (reverse("admin:index"), reverse("admin:errors_kb_entry_changelist")):
        assert client.get(path).status_code == 302

    wrong = client.post(reverse("admin:two_factor"), {"token": "000000" if rfc6238(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert client.get(reverse("admin:index")).status_code == 302
    # django-otp makes the device wait 1 s after a wrong code, 2 s after a second one...
    throttled = client.post(reverse("admin:two_factor"), {"token": rfc6238(secret)})
    assert throttled.status_code == 400 and "Too many wrong codes" in throttled.content.decode()
    time.sleep(2.1)

    answer = client.post(reverse("admin:two_factor"), {"token": rfc6238(secret)})
    assert answer.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:errors_kb_entry_changelist")).status_code == 200


def test_it_asks_for_the_code_of_a_device_made_by_create_account(client, db, settings, monkeypatch):
    settings.ADMIN_REQUIRE_2FA = True
    monkeypatch.setenv("ACCOUNT_PASSWORD", PASSWORD)
    out = StringIO()
    call_command("create_account", "casey", "--role", "curator", "--noinput", "--totp", stdout=out)
    uri = next(line for line in out.getvalue().splitlines() if line.startswith("otpauth://"))
    secret = parse_qs(urlsplit(uri).query)["secret"][0]

    assert sign_in(client, PASSWORD).status_code == 302
    page = client.get(reverse("admin:two_factor"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Enter the six-digit code" in text and secret not in text  # the key is not shown again
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.post(reverse("admin:two_factor"), {"token": rfc6238(secret)}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_it_lets_staff_in_with_the_password_alone_when_2fa_is_off(client, staff, settings):
    settings.ADMIN_REQUIRE_2FA = False
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def load(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**{k: v for k, v in os.environ.items() if k not in {"ADMIN_REQUIRE_2FA", "DEBUG"}}, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_requires_2fa_by_default_only_when_reachable_from_outside():
    code = "import portal.settings as s; print(s.ADMIN_REQUIRE_2FA)"
    assert load(code) == "False"  # the default ALLOWED_HOSTS: loopback only
    assert load(code, ALLOWED_HOSTS="localhost,127.0.0.1") == "False"
    assert load(code, ALLOWED_HOSTS="kb.example.org") == "True"
    assert load(code, ALLOWED_HOSTS="kb.example.org", DEBUG="true") == "False"
    assert load(code, ALLOWED_HOSTS="kb.example.org", ADMIN_REQUIRE_2FA="false") == "False"
    assert load(code, ADMIN_REQUIRE_2FA="true") == "True"


def test_it_serves_the_admin_at_admin_path():
    code = (
        "import django; django.setup(); from django.urls import reverse; "
        "print(reverse('admin:index'), reverse('admin:login'), reverse('admin:two_factor'))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings"}
    assert load(code, **env).split() == ["/admin/", "/admin/login/", "/admin/two-factor/"]
    assert load(code, ADMIN_PATH="staff-7f3a/", **env).split() == [
        "/staff-7f3a/",
        "/staff-7f3a/login/",
        "/staff-7f3a/two-factor/",
    ]
