"""manage.py lti11_check FILE [--secret-env VAR] [--url URL] [--format text|json]

Checks a raw LTI 1.1 Basic Outcomes request saved in FILE ("-" reads standard input), as the
page and /api/lti11/outcome-check do. The secret is read from the environment variable VAR,
never from the command line (where `ps` and the shell history would show it). Exits 1 when a
check fails, 2 when FILE cannot be read as a request.
"""

import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from errors_kb.lti11 import OutcomeCheck, RequestInputError, check_request
from errors_kb.lti11_request import MAX_CHARS

MARKS = {True: "pass", False: "FAIL", None: "—"}


class Command(BaseCommand):
    help = "Check a raw LTI 1.1 outcome request (FILE, or - for standard input): every rule, passed or failed."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="the raw HTTP request: request line, headers, blank line, XML body"
        )
        parser.add_argument(
            "--secret-env",
            metavar="VAR",
            help="name of the environment variable that holds the consumer secret (never the secret itself)",
        )
        parser.add_argument("--url", default="", help="the lis_outcome_service_url the launch gave")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    @sensitive_variables("secret")
    def handle(self, *args, file, secret_env=None, url="", format="text", **options):
        text = self._read(file)
        secret = ""
        if secret_env:
            if secret_env not in os.environ:
                raise CommandError(f"--secret-env {secret_env}: that environment variable is not set", returncode=2)
            secret = os.environ[secret_env].strip()
        try:
            result = check_request(text, secret=secret, url=url.strip())
        except RequestInputError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from None
        if format == "json":
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(result)
        if not result.ok:
            sys.exit(1)

    def _read(self, file: str) -> str:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_CHARS * 4 + 1)
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file", returncode=2)
            with path.open("rb") as handle:
                data = handle.read(MAX_CHARS * 4 + 1)
        if len(data) > MAX_CHARS * 4:
            raise CommandError(f"{file}: too large; the checker reads at most {MAX_CHARS:,} characters", returncode=2)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file}: not UTF-8 text (byte {error.start + 1}): save the request as text", returncode=2
            ) from None

    def _print(self, result: OutcomeCheck) -> None:
        for check in result.checks:
            self.stdout.write(f"{MARKS[check.passed]:<4}  {check.id}: {check.detail}")
            for block in check.evidence:
                self.stdout.write("      " + block.replace("\n", "\n      "))
            if check.entry_url:
                self.stdout.write(f"      why: {check.entry_url}")
        failed = len(result.failed)
        self.stdout.write(f"\n{failed} of {len(result.checks)} checks failed." if failed else "\nNo check failed.")
