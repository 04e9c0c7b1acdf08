"""gunicorn settings shared by `make run` and the tests that serve the portal over HTTP."""

import os

bind = f"127.0.0.1:{os.getenv('PORT', '8000')}"
workers = int(os.getenv("WORKERS", "3"))
# Limits (README "Limits and outages"): a request line or header over these is refused with a
# 400 after reading at most that much, so a 20 MB request line cannot hold a worker. Pastes
# are POSTed (the paste box, POST /api/search); GET ?q= is for links and short messages.
limit_request_line = 8190  # gunicorn's largest; 0 would mean unlimited
limit_request_fields = 100
limit_request_field_size = 8190
# A worker silent this long is killed and replaced. Above the longest statement PostgreSQL
# lets a request run (DB_STATEMENT_TIMEOUT_MS, portal/settings.py) times the few a request makes.
_statement_seconds = int(os.getenv("DB_STATEMENT_TIMEOUT_MS", "5000") or 0) / 1000
timeout = max(30, int(_statement_seconds * 3) + 10)
graceful_timeout = 20
# No control socket: gunicorn 25+ otherwise shares one ($XDG_RUNTIME_DIR or ~/.gunicorn/
# gunicorn.ctl) between every gunicorn this user runs, e.g. `make run` and the tests.
control_socket_disable = True
accesslog = "-"
# The path without its query string: pastes can hold student names and IDs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = "127.0.0.1"
