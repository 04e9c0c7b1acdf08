"""Answers for requests the portal cannot serve: bad or oversized requests (400, 413) and
database outages (503), each logged in one line at most, never with a traceback.

portal/urls.py points handler400 and handler500 here; portal/middleware.py uses the same
answers for request bodies over the limit and for database errors raised by a view.
"""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from portal.logs import Throttle, short

logger = logging.getLogger("portal.outage")
RETRY_AFTER_SECONDS = 30
OUTAGE_ERRORS = (OperationalError, InterfaceError)
# Raised by reading a malformed or cut-off body; Django would answer them 500 with a traceback.
MALFORMED_BODY_ERRORS = (MultiPartParserError, UnreadablePostError)
_throttle = Throttle(period=60.0)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _mark_logged(response: HttpResponse) -> HttpResponse:
    # Django's request logger skips responses already logged (django.utils.log.log_response).
    response._has_been_logged = True
    return response


def _error_page(request: HttpRequest, template: str, status: int, message: str) -> HttpResponse:
    if is_api(request):
        response = JsonResponse({"error": message}, status=status)
    else:
        try:
            response = render(request, template, {"message": message}, status=status)
        except Exception:  # the page itself failed (e.g. a template tag reaching the database)
            response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = "no-store"
    return response


def log_outage(request: HttpRequest, what: str) -> None:
    """One line per distinct failure per minute, however many requests it fails."""
    key = what.splitlines()[0] if what else "?"
    allowed, held = _throttle.allow(key)
    if allowed:
        also = f"; {held} more in the last minute" if held else ""
        logger.error(
            "database unavailable, answering 503: %s (%s %s%s)",
            short(key, 200),
            request.method,
            short(request.path),
            also,
        )


def outage_response(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    if exception is not None:
        log_outage(request, f"{type(exception).__name__}: {str(exception).strip()}")
    message = "The portal's database is unavailable for a moment. Please try again shortly."
    response = _error_page(request, "503.html", 503, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return _mark_logged(response)


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    logging.getLogger("django.security.RequestDataTooBig").warning(
        "request body over %d bytes refused (%s %s)", limit, request.method, short(request.path)
    )
    message = f"The request is too large: this address takes at most {limit // 1024} KB."
    return _mark_logged(_error_page(request, "413.html", 413, message))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400. Django logs a SuspiciousOperation itself, in one line on django.security.*
    (settings.LOGGING); anything else that lands here is logged in one line now."""
    if isinstance(exception, RequestDataTooBig):
        response = _error_page(request, "413.html", 413, "The request is too large for this address.")
    else:
        response = _error_page(request, "400.html", 400, "The portal could not read this request.")
    if not isinstance(exception, SuspiciousOperation):
        name = type(exception).__name__ if exception is not None else "BadRequest"
        logging.getLogger(f"django.security.{name}").warning(
            "bad request: %s (%s %s)", short(str(exception or ""), 200), request.method, short(request.path)
        )
        _mark_logged(response)
    return response


def malformed_body_response(request: HttpRequest, exception: Exception) -> HttpResponse:
    return bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage (also one raised inside a middleware, e.g. sessions)
    answers 503 in one throttled line; anything else keeps Django's logged traceback."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OUTAGE_ERRORS):
        return outage_response(request, exception)
    if isinstance(exception, MALFORMED_BODY_ERRORS):
        return malformed_body_response(request, exception)
    from errors_kb.views import server_error as portal_server_error

    return portal_server_error(request)
