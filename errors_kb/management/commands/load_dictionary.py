from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from errors_kb import search_index
from errors_kb.documents import ImportFileError, load_json
from errors_kb.importing import import_data
from errors_kb.models import Entry

FIXTURES_DIR = settings.BASE_DIR / "fixtures"


def fixture_files():
    """topics.json first: entries in every other file refer to its topics."""
    files = sorted(FIXTURES_DIR.glob("*.json"))
    return sorted(files, key=lambda path: path.name != "topics.json")


def dictionary_data() -> dict:
    """Every fixture file merged into one import, so the dictionary loads all or nothing."""
    merged: dict[str, list] = {"topics": [], "vendors": [], "entries": []}
    for path in fixture_files():
        data = load_json(path.read_bytes(), path.name)
        for key in merged:
            merged[key].extend(data.get(key, []))
    return merged


class Command(BaseCommand):
    help = "Load the dictionary (fixtures/*.json) into an empty database; a database with entries is left alone."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import even when entries exist (vendors, topics and entries curators edited are kept).",
        )
        parser.add_argument(
            "--overwrite-curated",
            action="store_true",
            help="With --force: also replace vendors, topics and entries curators edited since their import.",
        )

    def handle(self, force=False, overwrite_curated=False, **options):
        if Entry.objects.exists() and not force:
            self.stdout.write("load_dictionary: the database already holds entries; left unchanged")
            self._refresh_search_data()
            return
        # a bulk load: the search-word counts are recounted once at the end, not entry by entry
        with search_index.bulk_load():
            try:
                report = import_data(dictionary_data(), overwrite_curated=overwrite_curated)
            except ImportFileError as error:
                raise CommandError(f"fixtures/: nothing loaded:\n{error}") from None
            self.stdout.write(f"load_dictionary: {report.summary()}")
            self._refresh_search_data()
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                # set the visibility map and statistics the search's index scans rely on
                cursor.execute(f"VACUUM ANALYZE {Entry._meta.db_table}")

    def _refresh_search_data(self) -> None:
        """Entries keep the words they are found by up to date with the code that derives them."""
        vendors = {v["slug"] for v in dictionary_data()["vendors"]}
        changed = Entry.objects.filter(vendor__slug__in=vendors).refresh_search_data()
        if changed:
            # the triggers of migration 0010 count the changed words (or bulk_load() recounts)
            self.stdout.write(f"load_dictionary: search words of {changed} entries brought up to date")
