from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from errors_kb import search_index
from errors_kb.documents import ImportFileError, load_json
from errors_kb.importing import import_data


class Command(BaseCommand):
    help = (
        "Validate FILE.json as a whole, then upsert its vendors, topics and entries by natural key. "
        "Nothing changes if any record is bad. Vendors, topics and entries a curator edited since their last "
        "import are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.json")
        parser.add_argument(
            "--overwrite-curated",
            action="store_true",
            help="Also replace vendors, topics and entries that curators changed since they were imported.",
        )

    def handle(self, *args, files, overwrite_curated=False, **options):
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            try:
                # a bulk load: the search-word counts are recounted once at the end, not entry by entry
                with search_index.bulk_load():
                    report = import_data(load_json(path.read_bytes(), name), overwrite_curated=overwrite_curated)
            except ImportFileError as error:
                problems = "\n  ".join(error.problems)
                raise CommandError(
                    f"{name}: nothing imported; {len(error.problems)} problem(s):\n  {problems}"
                ) from None
            self.stdout.write(f"{name}: {report.summary()}")
            for kept in report.kept_curated:
                self.stdout.write(f"  kept (edited by a curator): {kept.kind} {kept.label}")
