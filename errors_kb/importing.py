"""The upsert of an import: write a validated document (errors_kb/documents.py) to the database.

Validation runs over every record before anything is written, and collects every
problem with the record and field it belongs to. Writing happens in one transaction.
A vendor, topic or entry whose content differs from what was last imported was edited
by a curator: imports keep it unless told to overwrite curated rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from errors_kb.documents import (
    ImportFileError,
    create_steps,
    entry_fingerprint,
    entry_to_dict,
    normal_entry,
    normal_topic,
    normal_vendor,
    topic_fingerprint,
    topic_to_dict,
    validate,
    vendor_fingerprint,
    vendor_to_dict,
)
from errors_kb.models import Cause, Entry, Resource, Topic, Vendor

__all__ = ["ImportFileError", "ImportReport", "RecordOutcome", "dry_run", "import_data"]

CREATED, UPDATED, UNCHANGED, KEPT = "created", "updated", "unchanged", "kept because edited"


@dataclass(frozen=True)
class RecordOutcome:
    kind: str  # "vendor", "topic" or "entry"
    label: str  # "skyward", "skyward / Grading Category Not Found"
    outcome: str  # CREATED, UPDATED, UNCHANGED or KEPT


@dataclass
class ImportReport:
    records: list[RecordOutcome] = field(default_factory=list)

    def add(self, kind: str, label: str, outcome: str) -> None:
        self.records.append(RecordOutcome(kind, label, outcome))

    def count(self, kind: str, outcome: str) -> int:
        return sum(1 for r in self.records if r.kind == kind and r.outcome == outcome)

    def labels(self, kind: str, outcome: str) -> list[str]:
        return [r.label for r in self.records if r.kind == kind and r.outcome == outcome]

    @property
    def vendors_created(self) -> int:
        return self.count("vendor", CREATED)

    @property
    def entries_created(self) -> int:
        return self.count("entry", CREATED)

    @property
    def entries_updated(self) -> int:
        return self.count("entry", UPDATED)

    @property
    def kept_curated(self) -> list[RecordOutcome]:
        return [r for r in self.records if r.outcome == KEPT]

    @property
    def entries_kept_curated(self) -> list[str]:
        return self.labels("entry", KEPT)

    def summary(self) -> str:
        parts = []
        for kind, plural in (("vendor", "vendors"), ("topic", "topics"), ("entry", "entries")):
            counts = ", ".join(f"{self.count(kind, outcome)} {outcome}" for outcome in (CREATED, UPDATED, UNCHANGED))
            parts.append(f"{plural}: {counts}, {self.count(kind, KEPT)} kept as curators edited them")
        return "; ".join(parts)


def _unique_slug(wanted: str, taken: set[str]) -> str:
    base = slugify(wanted)[:190] or "entry"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def _write_content(entry: Entry, content: dict, topics: dict[str, Topic]) -> None:
    entry.causes.all().delete()
    entry.resources.all().delete()
    causes = Cause.objects.bulk_create(
        Cause(entry=entry, position=position, meaning=cause["meaning"], note=cause["note"])
        for position, cause in enumerate(content["causes"], start=1)
    )
    for cause, cause_content in zip(causes, content["causes"], strict=False):
        create_steps(cause, cause_content["steps"])
    Resource.objects.bulk_create(
        Resource(entry=entry, position=position, title=r["title"], url=r["url"])
        for position, r in enumerate(content["resources"], start=1)
    )
    entry.topics.set([topics[slug] for slug in content["topics"]])
    entry.refresh_content_tokens()


def current_fingerprint(entry: Entry) -> str:
    return entry_fingerprint(entry_to_dict(entry))


def _outcome(current: str, imported: str, new: str, overwrite_curated: bool) -> str:
    """UNCHANGED, KEPT or UPDATED for a stored row. An empty imported fingerprint (rows from
    before fingerprints existed) counts as imported: the row is updated and gets one."""
    if current == new:
        return UNCHANGED
    if imported and current != imported and not overwrite_curated:
        return KEPT
    return UPDATED


def _import_by_slug(kind: str, model, records: list[dict], report: ImportReport, overwrite_curated: bool) -> None:
    """Upsert vendors or topics by slug; a row a curator edited is kept (see _outcome)."""
    normal, fingerprint, to_dict = _BY_SLUG[kind]
    stored = {row.slug: row for row in model.objects.filter(slug__in=[r["slug"] for r in records])}
    for record in records:
        content = normal(record)
        new = fingerprint(content)
        row = stored.get(content["slug"])
        if row is None:
            stored[content["slug"]] = model.objects.create(**content, imported_fingerprint=new)
            report.add(kind, content["slug"], CREATED)
            continue
        current = to_dict(row)
        outcome = _outcome(fingerprint(current), row.imported_fingerprint, new, overwrite_curated)
        if outcome == UNCHANGED and current != content:
            outcome = UPDATED  # only the permalink history changed: not curated content
        report.add(kind, content["slug"], outcome)
        if outcome == KEPT or (outcome == UNCHANGED and row.imported_fingerprint == new):
            continue
        for name, value in content.items():
            setattr(row, name, value)
        row.imported_fingerprint = new
        row.save()


_BY_SLUG = {
    "topic": (normal_topic, topic_fingerprint, topic_to_dict),
    "vendor": (normal_vendor, vendor_fingerprint, vendor_to_dict),
}


@transaction.atomic
def import_data(data: Any, *, overwrite_curated: bool = False) -> ImportReport:
    validate(data)
    report = ImportReport()
    _import_by_slug("topic", Topic, data.get("topics", []), report, overwrite_curated)
    _import_by_slug("vendor", Vendor, data.get("vendors", []), report, overwrite_curated)

    vendors = {v.slug: v for v in Vendor.objects.all()}
    vendors_by_name = {v.name.lower(): v for v in vendors.values()}
    topics = {t.slug: t for t in Topic.objects.all()}
    existing_entries = list(
        Entry.objects.with_details().filter(
            vendor__slug__in={
                (vendors.get(r["vendor"]) or vendors_by_name[r["vendor"].lower()]).slug for r in data.get("entries", [])
            }
        )
    )
    existing = {(e.vendor.slug, e.title, e.message): e for e in existing_entries}
    by_key = {e.key: e for e in existing_entries}
    taken_slugs: dict[int, set[str]] = {}
    for vendor_id, slug in Entry.objects.values_list("vendor_id", "slug"):
        taken_slugs.setdefault(vendor_id, set()).add(slug)

    for record in data.get("entries", []):
        vendor = vendors.get(record["vendor"]) or vendors_by_name[record["vendor"].lower()]
        content = normal_entry(record, vendor.slug)
        new_fingerprint = entry_fingerprint(content)
        # The stable key wins: a curator's rename of title or message is the same entry.
        entry = by_key.get(content["key"]) if content["key"] else None
        entry = entry or existing.get((vendor.slug, content["title"], content["message"]))
        fields = {
            "variants": content["variants"],
            "phrases": content["phrases"],
            "is_generic": content["is_generic"],
            "http_status": content["http_status"],
            "error_code": content["error_code"] or "",
            "blocks_sync": content["blocks_sync"],
            "notes": content["notes"],
            "internal_notes": content["internal_notes"],
            "former_slugs": content["former_slugs"],
            "source": content["source"],
            "status": content["status"],
            "imported_fingerprint": new_fingerprint,
        }
        if entry is None:
            taken = taken_slugs.setdefault(vendor.id, set())
            slug = _unique_slug(content["slug"] or content["title"], taken)
            taken.add(slug)
            entry = Entry.objects.create(
                key=content["key"] or f"{vendor.slug}.{slug}",
                vendor=vendor,
                title=content["title"],
                message=content["message"],
                slug=slug,
                **fields,
            )
            _write_content(entry, content, topics)
            report.add("entry", f"{vendor.slug} / {entry.title}", CREATED)
            continue
        label = f"{vendor.slug} / {entry.title}"
        outcome = _outcome(current_fingerprint(entry), entry.imported_fingerprint, new_fingerprint, overwrite_curated)
        report.add("entry", label, outcome)
        if outcome == UNCHANGED:
            if not entry.imported_fingerprint:
                Entry.objects.filter(pk=entry.pk).update(imported_fingerprint=new_fingerprint)
            continue
        if outcome == KEPT:
            continue
        fields |= {"title": content["title"], "message": content["message"]}
        if content["slug"] and content["slug"] != entry.slug:
            # A renamed slug keeps the old permalink working.
            fields |= {"slug": content["slug"], "former_slugs": sorted({*content["former_slugs"], entry.slug})}
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.save(update_fields=[*fields, "updated_at"])
        _write_content(entry, content, topics)
    # SearchToken counts: the entry triggers keep them (or the caller's search_index.bulk_load())
    return report


def dry_run(data: Any, *, overwrite_curated: bool = False) -> ImportReport:
    """The report the import would give, from the real import rolled back: what a curator
    sees before applying a file. Raises ImportFileError like import_data."""
    with transaction.atomic():
        report = import_data(data, overwrite_curated=overwrite_curated)
        transaction.set_rollback(True)
    return report
