import sys

from django.core.management.base import BaseCommand

from errors_kb.documents import export_text


class Command(BaseCommand):
    help = "Write vendors, topics and entries in the import format (to stdout, or to --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE.json")
        parser.add_argument("--vendor", action="append", dest="vendors", metavar="SLUG")

    def handle(self, output=None, vendors=None, **options):
        text = export_text(vendors)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            sys.stdout.write(text)
