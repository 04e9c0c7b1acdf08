"""The security headers on HTML and JSON responses alike: a strict Content-Security-Policy,
Permissions-Policy, X-Frame-Options, Referrer-Policy and friends; HSTS and the HTTPS redirect
only when production switches them on (README "Security headers")."""

import pytest
from django.test import Client

CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics"]
URLS = ["/", "/vendors/skyward/grading-category-not-found/", "/entries/?http_status=409", "/api/search?q=409"]


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("url", URLS)
def test_it_sends_the_strict_policy_headers_on_html_and_json(dictionary, url):
    response = Client().get(url)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    policy = response["Permissions-Policy"]
    for feature in DENIED:
        assert f"{feature}=()" in policy.split(", ")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response


def test_it_sends_them_on_a_404_and_a_static_file_too(dictionary):
    for url in ["/no-such-page/", "/static/css/portal.css"]:
        response = Client().get(url)
        assert directives(response["Content-Security-Policy"]) == CSP, url
        assert "camera=()" in response["Permissions-Policy"], url


def test_it_neither_redirects_nor_sends_hsts_by_default(dictionary):
    client = Client()
    assert client.get("/").status_code == 200
    assert "Strict-Transport-Security" not in client.get("/", secure=True)


def test_it_redirects_to_https_and_sends_hsts_when_switched_on(dictionary, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    client = Client()
    response = client.get("/vendors/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/vendors/"
    secure = client.get("/vendors/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    # A load balancer's plain-HTTP health check is not redirected.
    assert client.get("/healthz").status_code != 301


def test_it_trusts_the_proxys_https_header_only_when_named(dictionary, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 301
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_it_marks_cookies_secure_when_switched_on(dictionary, settings):
    settings.CSRF_COOKIE_SECURE = True
    response = Client().get("/admin/login/", secure=True)
    assert response.cookies["csrftoken"]["secure"] is True
