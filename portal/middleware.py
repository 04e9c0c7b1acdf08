"""Request body limits and database outages, before and around every view."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from portal import errors


class LimitsAndOutagesMiddleware:
    """Refuses a body over its path's limit from its Content-Length, before anything reads it
    (413); answers 503 with Retry-After when a view meets a database outage, logging one line
    per distinct failure per minute; and gives any other 503 (e.g. /healthz) the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def body_limit(request: HttpRequest) -> int:
        for name, limit in settings.REQUEST_BODY_LIMITS_BY_URL_NAME.items():
            if request.path == reverse(name):
                return limit
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty
        limit = self.body_limit(request)
        if length > limit:
            return errors.too_large_response(request, limit)
        response = self.get_response(request)
        if response.status_code == 503:
            if not response.has_header("Retry-After"):
                response["Retry-After"] = str(errors.RETRY_AFTER_SECONDS)
            if not getattr(response, "_has_been_logged", False):
                errors.log_outage(request, f"{request.path} answered 503")
                response._has_been_logged = True
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, errors.OUTAGE_ERRORS):
            return errors.outage_response(request, exception)
        if isinstance(exception, errors.MALFORMED_BODY_ERRORS):
            return errors.malformed_body_response(request, exception)
        return None
