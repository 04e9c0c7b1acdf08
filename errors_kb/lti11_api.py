"""POST /api/lti11/outcome-check: the LTI 1.1 outcome request checker as JSON (../shared/DESIGN.md).

In: {"request": "raw HTTP request text", "secret": "optional", "url": "optional"}.
Out: {"ok": bool, "checks": [{"id", "passed", "detail", "entry_url"}, ...]}, every check id in
the contract's order; bad input answers 400 {"error": "..."}.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from errors_kb.lti11_forms import OutcomeCheckForm, first_error
from portal.ratelimit import rate_limit


@csrf_exempt  # a JSON API for tools: it sets no cookie, reads no session and changes nothing
@require_POST
@rate_limit("lti11")
@sensitive_variables("form")  # holds the secret; kept out of error reports
def outcome_check(request: HttpRequest) -> JsonResponse:
    form = OutcomeCheckForm.from_json(request)
    if not form.is_valid():
        response = JsonResponse({"error": first_error(form)}, status=400)
    else:
        response = JsonResponse(form.result.to_dict())
    patch_cache_control(response, no_store=True)
    return response
