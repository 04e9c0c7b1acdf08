"""`manage.py triage FILE [--format csv|json|table]`: a sync report on disk, triaged.

The same reading and matching as /triage/ and POST /api/triage (the JSON is the API's
answer, byte for byte the same groups), with the same limits. FILE `-` reads standard input.
Nothing of the report is written anywhere but standard output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from errors_kb import triage_export
from errors_kb.models import Vendor
from errors_kb.search import resolve_vendor
from errors_kb.triage import entry_details, triage
from errors_kb.triage_input import TriageInputError, decode, parse


class Command(BaseCommand):
    help = "Triage a sync report: one group per problem (an entry), most lines first, then what no entry explains."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the report: text or log, CSV/TSV with a header row, or JSON lines; - for stdin"
        )
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
        parser.add_argument(
            "--column", default=None, help="the CSV/TSV column holding the message, if not found by name"
        )
        parser.add_argument("--vendor", default=None, help="the SIS the report comes from (name or slug), if known")

    def handle(self, file, format, column, vendor, **options):
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            text = decode(raw, settings.TRIAGE_MAX_BYTES)
            report = parse(text, column=column, max_lines=settings.TRIAGE_MAX_LINES)
        except TriageInputError as error:
            raise CommandError(error.message) from None
        vendors = list(Vendor.objects.all())
        hint = resolve_vendor(vendor, vendors)
        if vendor and hint is None:
            raise CommandError(f"unknown vendor {vendor!r}; one of {', '.join(sorted(v.slug for v in vendors))}")
        result = triage(report.records, vendors=vendors, vendor_hint=hint)
        if format == "json":
            self.stdout.write(triage_export.to_json(result))
            return
        entry_details(result)
        out = triage_export.to_csv(result) if format == "csv" else triage_export.to_table(result)
        self.stdout.write(out, ending="")
