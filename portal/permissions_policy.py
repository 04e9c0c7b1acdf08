"""The Permissions-Policy header: browser features the portal never uses, denied to every page
and to anything it might embed. settings.PERMISSIONS_POLICY maps a feature to the origins
allowed it; an empty list is `feature=()`, nobody.

A dozen lines do what django-permissions-policy does for this one fixed header, without a
dependency to keep up to date (README "Security headers")."""

from django.conf import settings

HEADER = "Permissions-Policy"


def header_value(policy: dict[str, list[str]]) -> str:
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = header_value(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault(HEADER, self.value)
        return response
