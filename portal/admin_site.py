"""The admin site: Django's, with sign-in rate limited and, when ADMIN_REQUIRE_2FA is on, a
verified TOTP device (django-otp) required of every staff user.

After the password, a staff user with a confirmed device is asked for its current code; one
without a device is shown a new key (an otpauth:// address, as a QR code and as text) and
confirms it with a first code. A device can also be made beforehand with
`manage.py create_account NAME --role ... --totp`. A wrong code counts against the login
rate limit, and django-otp slows repeated failures of one device down further.
"""

from __future__ import annotations

from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.ratelimit import check

DEVICE_NAME = "Authenticator app"


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label="Six-digit code",
        max_length=12,
        error_messages={"invalid": "Enter the six digits your authenticator app shows.", "required": "Enter the code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def totp_device(user, create: bool) -> TOTPDevice | None:
    """The user's confirmed device, else the unconfirmed one being set up (made if `create`)."""
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=None).order_by("-confirmed", "id")
    device = devices.first()
    if device is None and create:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def otpauth_uri(device: TOTPDevice) -> str:
    return device.config_url


def needs_second_factor(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        settings.ADMIN_REQUIRE_2FA
        and user.is_active
        and user.is_staff
        and not getattr(user, "is_verified", lambda: False)()
    )


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not needs_second_factor(request)

    def _next(self, request: HttpRequest) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return target
        return reverse("admin:index", current_app=self.name)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if needs_second_factor(request):
            query = request.GET.urlencode()
            return HttpResponseRedirect(
                reverse("admin:two_factor", current_app=self.name) + (f"?{query}" if query else "")
            )
        if request.method == "POST":
            refused = check(request, "login")
            if refused is not None:
                return refused
        return super().login(request, extra_context)

    def get_urls(self):
        return [path("two-factor/", self.two_factor, name="two_factor"), *super().get_urls()]

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def two_factor(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_active and user.is_staff):
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        if not needs_second_factor(request):
            return HttpResponseRedirect(self._next(request))
        device = totp_device(user, create=True)
        form = TokenForm(request.POST or None)
        status = 200
        if request.method == "POST":
            refused = check(request, "login")
            if refused is not None:
                return refused
            if form.is_valid():
                # django-otp doubles the wait after each wrong code of a device (1 s, 2 s, 4 s…).
                allowed, _ = device.verify_is_allowed()
                if not allowed:
                    form.add_error("token", "Too many wrong codes: wait a few seconds, then enter the code shown now.")
                elif device.verify_token(form.cleaned_data["token"].strip()):
                    if not device.confirmed:
                        device.confirmed = True
                        device.save(update_fields=["confirmed"])
                    otp_login(request, device)
                    return HttpResponseRedirect(self._next(request))
                else:
                    form.add_error("token", "That code is not right, or it has expired. Try the code shown now.")
            status = 400
        context = {
            **self.each_context(request),
            "title": "Second factor" if device.confirmed else "Set up a second factor",
            "form": form,
            "device": device,
            "next": self._next(request),
        }
        if not device.confirmed:
            import segno

            uri = otpauth_uri(device)
            context.update(
                otpauth_uri=uri,
                secret=b32encode(device.bin_key).decode(),
                qr_data_uri=segno.make(uri, error="m").svg_data_uri(scale=5),
            )
        return render(request, "admin/two_factor.html", context, status=status)
