"""Settings for the Grade Passback Error Portal, all read from the environment.

Every variable is listed in README.md. A malformed value stops the process with a
message naming the variable, instead of running with a silent default.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str, minimum: int = 0) -> int:
    raw = os.getenv(name, default)
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def database_from_url(url: str, variable: str = "DATABASE_URL") -> dict:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"{variable} must start with postgres:// or postgresql://, not {parts.scheme!r}://")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(f"{variable} must name a database, e.g. postgresql://user@host/portal")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{variable} has an invalid port") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        # postgresql:///portal?host=/var/run/postgresql selects a socket directory.
        "HOST": unquote(parts.hostname or "") or query.pop("host", ""),
        "PORT": str(port or ""),
        "OPTIONS": query,
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "60"),
        "CONN_HEALTH_CHECKS": True,
    }


def local_database() -> dict:
    from portal import localdb

    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": localdb.DB_NAME,
        "USER": localdb.DB_USER,
        "HOST": str(localdb.socket_dir()),
        "PORT": "5432",
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "60"),
        "CONN_HEALTH_CHECKS": True,
    }


def local_secret_key() -> str:
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.getenv("SECRET_KEY") or local_secret_key()
DEBUG = envbool("DEBUG", "false")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Django's admin with its site replaced by portal.admin_site.PortalAdminSite (second factor).
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "reversion",
    "errors_kb",
    "portal",  # the rate limits' counter table
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, static files and
    # the 413/503 answers of the limits middleware included.
    "csp.middleware.CSPMiddleware",
    "portal.permissions_policy.PermissionsPolicyMiddleware",
    # Request bodies over the limit (413) and database outages (503): portal/middleware.py.
    "portal.middleware.LimitsAndOutagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.db_router.PrimaryPinMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a locked-out sign-in with its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "errors_kb.context_processors.staff_view",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"]) if os.getenv("DATABASE_URL") else local_database()
}
# The search's statements are short index look-ups; PostgreSQL's JIT compiler, triggered by
# their row estimates, spent 450 ms compiling one of them (measured at 100,000 entries).
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = (
    DATABASES["default"]["OPTIONS"].get("options", "") + " -c jit=off"
).strip()
if os.getenv("TEST_DATABASE_NAME"):
    # Lets several test runs share one server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
# Read replica (portal/db_router.py): public pages and the search read from it; writes, the
# admin, staff requests and a request's reads after its own write use the primary.
if os.getenv("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(os.environ["DATABASE_REPLICA_URL"], "DATABASE_REPLICA_URL")
    DATABASES["replica"]["OPTIONS"]["options"] = (
        DATABASES["replica"]["OPTIONS"].get("options", "") + " -c jit=off"
    ).strip()
    # Tests read the primary's test database through this alias (no second test database).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers (README "Security headers"). The defaults suit http://127.0.0.1; behind
# HTTPS, production sets HTTPS_REDIRECT, HSTS_SECONDS and SECURE_COOKIES, and
# `manage.py check --deploy` is then clean (tests/test_deploy_check.py).
SECURE_SSL_REDIRECT = envbool("HTTPS_REDIRECT", "false")
# A load balancer's health check may probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", "false")
SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", "false")


def proxy_https_header(name: str) -> tuple[str, str] | None:
    """TRUSTED_PROXY_HTTPS_HEADER=X-Forwarded-Proto: the proxy sets it to "https" (and strips
    any the client sent). Unset, the scheme is the connection's own (gunicorn already trusts
    X-Forwarded-Proto from 127.0.0.1)."""
    header = os.getenv(name, "").strip()
    if not header:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ImproperlyConfigured(f"{name} must be a header name such as X-Forwarded-Proto, not {header!r}")
    return "HTTP_" + header.upper().replace("-", "_"), "https"


SECURE_PROXY_SSL_HEADER = proxy_https_header("TRUSTED_PROXY_HTTPS_HEADER")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# django-csp 4: no inline script or style anywhere (templates load static/js and static/css);
# tests/test_browser_csp.py visits every page, the admin's included, and sees no violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# portal/permissions_policy.py: browser features the portal never uses, denied to every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Paste search: the longest paste we read, in characters.
SEARCH_MAX_CHARS = envint("SEARCH_MAX_CHARS", "20000", minimum=100)
# Searches without a confident answer are counted, masked (errors_kb/gaps.py), for curators;
# rows nobody searched for in the retention period go with `manage.py purge_search_gaps`.
SEARCH_GAPS_ENABLED = envbool("SEARCH_GAPS", "true")
SEARCH_GAP_RETENTION_DAYS = envint("SEARCH_GAP_RETENTION_DAYS", "180", minimum=1)
# Each worker's memory for answers to pastes it has answered before, sealed so that only the
# same paste opens one (errors_kb/search_memo.py); 0 turns it off.
SEARCH_MEMO_MB = envint("SEARCH_MEMO_MB", "16")

# Limits (README "Limits and outages"). gunicorn caps the request line and headers
# (portal/gunicorn.conf.py); Django caps bodies; PostgreSQL caps each statement.
# A paste of SEARCH_MAX_CHARS characters, POSTed percent-encoded, takes up to 12 bytes a
# character (4 in UTF-8, each written %XX): the body limit must leave room for it.
REQUEST_BODY_MAX_BYTES = envint("REQUEST_BODY_MAX_BYTES", "1048576", minimum=65536)
if REQUEST_BODY_MAX_BYTES < SEARCH_MAX_CHARS * 12 + 4096:
    raise ImproperlyConfigured(
        f"REQUEST_BODY_MAX_BYTES must be at least SEARCH_MAX_CHARS * 12 + 4096 = {SEARCH_MAX_CHARS * 12 + 4096}"
        f" (a paste of SEARCH_MAX_CHARS characters, percent-encoded), not {REQUEST_BODY_MAX_BYTES}"
    )
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000  # an admin changelist action posts one field per selected row
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Uploads over this size are streamed to a temporary file instead of held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The admin import takes a file of up to 10 MB (errors_kb/admin/imports.py, which explains a
# larger one); bodies past 11 MB are refused before being read.
# Keyed by URL name (the admin's path is ADMIN_PATH).
REQUEST_BODY_LIMITS_BY_URL_NAME = {"admin:errors_kb_entry_import": 11 * 1024 * 1024}
# Triage (/triage/, POST /api/triage) reads a whole sync report: at most TRIAGE_MAX_BYTES of text
# and TRIAGE_MAX_LINES lines, answered 413 naming the limit. Its bodies may be larger than the
# report: a pasted report arrives percent-encoded (up to three bytes a byte for ordinary text),
# an upload wrapped in multipart; past TRIAGE_MAX_BODY_BYTES they are refused unread.
TRIAGE_MAX_BYTES = envint("TRIAGE_MAX_BYTES", str(5 * 1024 * 1024), minimum=1024)
TRIAGE_MAX_LINES = envint("TRIAGE_MAX_LINES", "50000", minimum=10)
TRIAGE_MAX_BODY_BYTES = TRIAGE_MAX_BYTES * 3 + 1024 * 1024
REQUEST_BODY_LIMITS_BY_URL_NAME |= {"triage": TRIAGE_MAX_BODY_BYTES, "api_triage": TRIAGE_MAX_BODY_BYTES}
# Every statement of the portal's connections; gunicorn's worker timeout is sized above it.
# Bulk loads (errors_kb/search_index.bulk_load) lift it for their own transaction.
DB_STATEMENT_TIMEOUT_MS = envint("DB_STATEMENT_TIMEOUT_MS", "5000")
for _database in DATABASES.values():
    _options = _database.setdefault("OPTIONS", {})
    if DB_STATEMENT_TIMEOUT_MS:
        _options["options"] = f"{_options.get('options', '')} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}".strip()
    # A database host that does not answer fails the request in seconds, not minutes.
    _options.setdefault("connect_timeout", 5)

# Rate limits and admin sign-in (README "Rate limits and admin sign-in").
from portal.client_address import parse_trusted_proxies  # noqa: E402
from portal.ratelimit import parse_rate  # noqa: E402


def envrate(name: str, default: str) -> str:
    value = os.getenv(name, default).strip()
    parse_rate(name, value)
    return value


# Per client address, fixed windows shared by every worker (portal/ratelimit.py).
RATE_LIMITS = envbool("RATE_LIMITS", "on")
RATE_LIMIT_SEARCH = envrate("RATE_LIMIT_SEARCH", "120/m")
RATE_LIMIT_VOTE = envrate("RATE_LIMIT_VOTE", "30/m")
RATE_LIMIT_LOGIN = envrate("RATE_LIMIT_LOGIN", "10/m")
RATE_LIMIT_TRIAGE = envrate("RATE_LIMIT_TRIAGE", "60/m")
RATE_LIMIT_LTI11 = envrate("RATE_LIMIT_LTI11", "60/m")
# Empty: X-Forwarded-For is never read. A number of proxies, or their addresses/networks.
TRUSTED_PROXIES = os.getenv("TRUSTED_PROXIES", "").strip()
parse_trusted_proxies(TRUSTED_PROXIES)
REDIS_URL = os.getenv("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}")
# Shared by every worker and machine: Redis when REDIS_URL is set, else a table in PostgreSQL
# (created by `manage.py createcachetable`, which `make setup` and the test database run).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"},
    # Rendered fragments of public entry data, in each worker's memory ({% cache ... using="fragments" %}),
    # keyed by the dictionary's generation (errors_kb/dictionary_cache.py): never a paste's value.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
RATE_LIMIT_CACHE = "default"

ADMIN_PATH = os.getenv("ADMIN_PATH", "admin/").strip().strip("/") + "/"
if not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*/", ADMIN_PATH):
    raise ImproperlyConfigured(f"ADMIN_PATH must be a path such as admin/ or staff/admin/, not {ADMIN_PATH!r}")
LOCAL_ONLY_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
# A second factor for staff by default wherever the portal can be reached from another
# machine: DEBUG off and a host name other than the loopback ones in ALLOWED_HOSTS.
ADMIN_REQUIRE_2FA = envbool("ADMIN_REQUIRE_2FA", "false" if DEBUG or set(ALLOWED_HOSTS) <= LOCAL_ONLY_HOSTS else "true")
OTP_TOTP_ISSUER = os.getenv("OTP_TOTP_ISSUER", "Grade Passback Error Portal")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username and address
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: 5 wrong passwords for one username from one address lock that pair out for
# 15 minutes; the attempts are rows in PostgreSQL, so every worker sees them.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5", minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15", minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO").upper()},
}
# One short line per refused request: django.security (oversized or malformed requests) names
# the exception without its traceback; django.request cuts long paths (a 404 for an 8 KB path).
LOGGING["formatters"] = {
    **LOGGING.get("formatters", {}),
    "short": {"()": "portal.logs.ShortFormatter"},
    "one_line": {"()": "portal.logs.ShortFormatter", "tracebacks": False},
}
LOGGING["handlers"] = {
    **LOGGING["handlers"],
    "short": {"class": "logging.StreamHandler", "formatter": "short"},
    "one_line": {"class": "logging.StreamHandler", "formatter": "one_line"},
}
LOGGING["loggers"] = {
    **LOGGING.get("loggers", {}),
    "django.request": {"handlers": ["short"], "propagate": False},
    "django.security": {"handlers": ["one_line"], "propagate": False},
    "portal.outage": {"handlers": ["one_line"], "propagate": False},
}
