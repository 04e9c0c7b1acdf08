"""gunicorn settings shared by `make run` and the tests that serve the portal over HTTP."""

import os

bind = f"127.0.0.1:{os.getenv('PORT', '8000')}"
workers = int(os.getenv("WORKERS", "3"))
# Pastes travel in the query string (GET /?q=...); the search itself enforces
# SEARCH_MAX_CHARS with a clear message, so the request line must not be cut first.
limit_request_line = 0
accesslog = "-"
# The path without its query string: pastes can hold student names and IDs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = "127.0.0.1"
