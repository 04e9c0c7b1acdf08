"""Create a staff account with one role: a curator or a support agent (errors_kb/roles.py)."""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from errors_kb.roles import ROLE_GROUPS, ensure_groups

# As createsuperuser's DJANGO_SUPERUSER_PASSWORD: scripts pass the password without a prompt.
PASSWORD_VARIABLE = "ACCOUNT_PASSWORD"


class Command(BaseCommand):
    help = "Create a staff account that is a curator (edits, publishes, reverts) or a support agent (reads)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--noinput",
            action="store_false",
            dest="interactive",
            help=f"Take the password from the environment variable {PASSWORD_VARIABLE} instead of asking.",
        )
        parser.add_argument(
            "--totp",
            action="store_true",
            help="Also make the account's second factor and print its otpauth:// address for an authenticator app.",
        )

    def handle(self, *args, username: str, role: str, email: str, interactive: bool, totp: bool, **options) -> None:
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            raise CommandError(f"{username} exists already; change its groups in the admin (Users).")
        password = self._password(interactive)
        user = users(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)  # AUTH_PASSWORD_VALIDATORS: at least 12 characters, not common
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            # Creates the groups if a flush removed them, and gives them the permissions of
            # models added since the migration ran.
            ensure_groups()
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
            device = None
            if totp:
                from django_otp.plugins.otp_totp.models import TOTPDevice

                from portal.admin_site import DEVICE_NAME

                device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        self.stdout.write(f"Created {username} ({ROLE_GROUPS[role]}); sign in at {reverse('admin:index')}.")
        if device is not None:
            self.stdout.write("Add this to the account's authenticator app (it is shown only now):")
            self.stdout.write(device.config_url)

    def _password(self, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"--noinput needs the password in {PASSWORD_VARIABLE}.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return password
