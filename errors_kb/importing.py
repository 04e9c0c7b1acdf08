"""The import/export format of ../shared/DESIGN.md: validate a whole file, then upsert.

Validation runs over every record before anything is written, and collects every
problem with the record and field it belongs to. Writing happens in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils.text import slugify

from errors_kb.models import (
    Cause,
    Entry,
    EntryStatus,
    Resource,
    SearchToken,
    SourceDocument,
    Step,
    Topic,
    Vendor,
    VendorKind,
)

MAX_STEP_DEPTH = 3


class ImportFileError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportReport:
    vendors_created: int = 0
    vendors_updated: int = 0
    topics_created: int = 0
    entries_created: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0
    entries_kept_curated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"vendors: {self.vendors_created} created, {self.vendors_updated} updated; "
            f"topics: {self.topics_created} created; "
            f"entries: {self.entries_created} created, {self.entries_updated} updated, "
            f"{self.entries_unchanged} unchanged, {len(self.entries_kept_curated)} kept as curators edited them"
        )


def _is_text(value: Any, *, required: bool) -> bool:
    return isinstance(value, str) and (bool(value.strip()) or not required)


class _Validator:
    def __init__(self, data: Any):
        self.data = data
        self.problems: list[str] = []

    def problem(self, where: str, field_name: str, text: str) -> None:
        self.problems.append(f"{where}: field {field_name!r} {text}")

    def text(self, record: dict, where: str, name: str, *, required: bool, max_length: int | None = None) -> None:
        value = record.get(name, "" if not required else None)
        if value is None and not required:
            return
        if not _is_text(value, required=required):
            self.problem(where, name, "must be a non-empty string" if required else "must be a string")
        elif max_length and len(value) > max_length:
            self.problem(where, name, f"is longer than {max_length} characters")

    def string_list(self, record: dict, where: str, name: str) -> None:
        value = record.get(name, [])
        if not isinstance(value, list) or not all(_is_text(item, required=True) for item in value):
            self.problem(where, name, "must be a list of non-empty strings")

    def slug_list(self, record: dict, where: str, name: str) -> None:
        value = record.get(name, [])
        try:
            if not isinstance(value, list):
                raise ValidationError("not a list")
            for item in value:
                validate_slug(item)
        except (ValidationError, TypeError):
            self.problem(where, name, "must be a list of slugs of letters, digits and hyphens")

    def run(self) -> None:
        if not isinstance(self.data, dict):
            self.problems.append("the file must hold a JSON object with 'vendors' and 'entries' lists")
            return
        unknown = set(self.data) - {"vendors", "entries", "topics"}
        if unknown:
            self.problems.append(f"unknown top-level keys: {', '.join(sorted(unknown))}")
        for key in ("vendors", "entries", "topics"):
            if not isinstance(self.data.get(key, []), list):
                self.problems.append(f"top-level {key!r} must be a list")
        if self.problems:
            return
        vendor_keys = self.vendors()
        topic_slugs = self.topics()
        self.entries(vendor_keys, topic_slugs)

    def vendors(self) -> set[str]:
        known = set()
        for slug, name in Vendor.objects.values_list("slug", "name"):
            known |= {slug, name.lower()}
        seen: set[str] = set()
        for index, vendor in enumerate(self.data.get("vendors", [])):
            where = f"vendors[{index}]"
            if not isinstance(vendor, dict):
                self.problems.append(f"{where}: must be an object")
                continue
            where = f"vendors[{index}] ({vendor.get('name') or vendor.get('slug') or '?'})"
            self.text(vendor, where, "name", required=True, max_length=100)
            self.text(vendor, where, "description", required=False)
            slug = vendor.get("slug")
            try:
                validate_slug(slug or "")
            except ValidationError:
                self.problem(where, "slug", "must be a slug of letters, digits and hyphens")
            if vendor.get("kind", VendorKind.SIS) not in VendorKind.values:
                self.problem(where, "kind", f"must be one of {', '.join(VendorKind.values)}")
            self.string_list(vendor, where, "aliases")
            self.slug_list(vendor, where, "former_slugs")
            if slug in seen:
                self.problem(where, "slug", f"{slug!r} appears twice in the file")
            if isinstance(slug, str):
                seen.add(slug)
                known.add(slug)
            if isinstance(vendor.get("name"), str):
                known.add(vendor["name"].lower())
        return known

    def topics(self) -> set[str]:
        known = set(Topic.objects.values_list("slug", flat=True))
        for index, topic in enumerate(self.data.get("topics", [])):
            where = f"topics[{index}]"
            if not isinstance(topic, dict):
                self.problems.append(f"{where}: must be an object")
                continue
            self.text(topic, where, "name", required=True, max_length=150)
            self.text(topic, where, "description", required=False)
            try:
                validate_slug(topic.get("slug") or "")
                known.add(topic["slug"])
            except ValidationError:
                self.problem(where, "slug", "must be a slug of letters, digits and hyphens")
        return known

    def entries(self, vendor_keys: set[str], topic_slugs: set[str]) -> None:
        natural_keys: set[tuple] = set()
        keys: set = set()
        slugs: set[tuple] = set()
        for index, entry in enumerate(self.data.get("entries", [])):
            where = f"entries[{index}]"
            if not isinstance(entry, dict):
                self.problems.append(f"{where}: must be an object")
                continue
            where = f"entries[{index}] ({entry.get('vendor')!s} / {entry.get('title')!s})"
            vendor = entry.get("vendor")
            if not _is_text(vendor, required=True):
                self.problem(where, "vendor", "must name a vendor by slug")
            elif vendor not in vendor_keys and vendor.lower() not in vendor_keys:
                self.problem(where, "vendor", f"names an unknown vendor {vendor!r}")
            self.text(entry, where, "title", required=True, max_length=200)
            self.text(entry, where, "message", required=True)
            self.string_list(entry, where, "variants")
            self.string_list(entry, where, "phrases")
            if any(isinstance(p, str) and len(p) > 200 for p in entry.get("phrases") or []):
                self.problem(where, "phrases", "holds a phrase longer than 200 characters")
            if not isinstance(entry.get("is_generic", False), bool):
                self.problem(where, "is_generic", "must be true or false")
            self.text(entry, where, "notes", required=False)
            self.text(entry, where, "internal_notes", required=False)
            self.slug_list(entry, where, "former_slugs")
            if entry.get("key") is not None:
                self.text(entry, where, "key", required=True, max_length=200)
                if entry.get("key") in keys:
                    self.problem(where, "key", f"{entry['key']!r} appears twice in the file")
                keys.add(entry.get("key"))
            if entry.get("slug") is not None:
                try:
                    validate_slug(entry["slug"])
                except (ValidationError, TypeError):
                    self.problem(where, "slug", "must be a slug of letters, digits and hyphens")
                else:
                    if (vendor, entry["slug"]) in slugs:
                        self.problem(where, "slug", f"{entry['slug']!r} appears twice for this vendor")
                    slugs.add((vendor, entry["slug"]))
            status = entry.get("http_status")
            if status is not None and (
                isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
            ):
                self.problem(where, "http_status", "must be null or an integer from 100 to 599")
            code = entry.get("error_code")
            if code is not None and not isinstance(code, str):
                self.problem(where, "error_code", "must be null or a string")
            if not isinstance(entry.get("blocks_sync", True), bool):
                self.problem(where, "blocks_sync", "must be true or false")
            if entry.get("status", EntryStatus.PUBLISHED) not in EntryStatus.values:
                self.problem(where, "status", f"must be one of {', '.join(EntryStatus.values)}")
            if entry.get("source", SourceDocument.CURATOR) not in SourceDocument.values:
                self.problem(where, "source", f"must be one of {', '.join(SourceDocument.values)}")
            topics = entry.get("topics", [])
            if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
                self.problem(where, "topics", "must be a list of topic slugs")
            else:
                for slug in topics:
                    if slug not in topic_slugs:
                        self.problem(where, "topics", f"names an unknown topic {slug!r}")
            self.causes(entry, where)
            self.resources(entry, where)
            key = (vendor, entry.get("title"), entry.get("message"))
            if key in natural_keys:
                self.problems.append(f"{where}: the same vendor, title and message appear twice in the file")
            natural_keys.add(key)

    def causes(self, entry: dict, where: str) -> None:
        causes = entry.get("causes")
        if not isinstance(causes, list) or not causes:
            self.problem(where, "causes", "must be a non-empty list")
            return
        for number, cause in enumerate(causes, start=1):
            cause_where = f"{where} cause {number}"
            if not isinstance(cause, dict):
                self.problems.append(f"{cause_where}: must be an object")
                continue
            self.text(cause, cause_where, "meaning", required=True)
            self.text(cause, cause_where, "note", required=False)
            steps = cause.get("steps", [])
            if not isinstance(steps, list):
                self.problem(cause_where, "steps", "must be a list")
            else:
                self.steps(steps, cause_where, depth=1)

    def steps(self, steps: list, where: str, depth: int) -> None:
        if depth > MAX_STEP_DEPTH:
            self.problem(where, "steps", f"nest deeper than {MAX_STEP_DEPTH} levels")
            return
        for number, step in enumerate(steps, start=1):
            step_where = f"{where} step {number}"
            if isinstance(step, str):
                if not step.strip():
                    self.problem(step_where, "text", "must not be empty")
            elif isinstance(step, dict):
                self.text(step, step_where, "text", required=True)
                children = step.get("steps", [])
                if not isinstance(children, list):
                    self.problem(step_where, "steps", "must be a list")
                else:
                    self.steps(children, step_where, depth + 1)
            else:
                self.problem(step_where, "text", "must be a string or an object with 'text' and 'steps'")

    def resources(self, entry: dict, where: str) -> None:
        resources = entry.get("resources", [])
        if not isinstance(resources, list):
            self.problem(where, "resources", "must be a list")
            return
        url_validator = URLValidator(schemes=["http", "https"])
        for number, resource in enumerate(resources, start=1):
            resource_where = f"{where} resource {number}"
            if not isinstance(resource, dict):
                self.problems.append(f"{resource_where}: must be an object")
                continue
            self.text(resource, resource_where, "title", required=True, max_length=300)
            url = resource.get("url", "")
            if url:
                try:
                    url_validator(url)
                except ValidationError:
                    self.problem(resource_where, "url", "must be empty or an http(s) URL")


def validate(data: Any) -> None:
    validator = _Validator(data)
    validator.run()
    if validator.problems:
        raise ImportFileError(validator.problems)


def load_json(raw: bytes, name: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ImportFileError([f"{name}: not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    except json.JSONDecodeError as error:
        raise ImportFileError(
            [f"{name}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"]
        ) from None


def _normal_steps(steps: list) -> list:
    result = []
    for step in steps:
        if isinstance(step, str):
            result.append(step.strip())
        elif step.get("steps"):
            result.append({"text": step["text"].strip(), "steps": _normal_steps(step["steps"])})
        else:
            result.append(step["text"].strip())
    return result


def _normal_entry(record: dict, vendor_slug: str) -> dict:
    """The entry's content in export shape, with every optional field filled in."""
    return {
        "key": (record.get("key") or "").strip(),
        "vendor": vendor_slug,
        "title": record["title"].strip(),
        "slug": record.get("slug") or "",
        "message": record["message"].strip(),
        "variants": [v.strip() for v in record.get("variants", [])],
        "phrases": [p.strip() for p in record.get("phrases", [])],
        "is_generic": record.get("is_generic", False),
        "http_status": record.get("http_status"),
        "error_code": record.get("error_code") or None,
        "blocks_sync": record.get("blocks_sync", True),
        "topics": sorted(record.get("topics", [])),
        "causes": [
            {
                "meaning": cause["meaning"].strip(),
                "note": (cause.get("note") or "").strip(),
                "steps": _normal_steps(cause.get("steps", [])),
            }
            for cause in record["causes"]
        ],
        "resources": [
            {"title": r["title"].strip(), "url": (r.get("url") or "").strip()} for r in record.get("resources", [])
        ],
        "notes": (record.get("notes") or "").strip(),
        "internal_notes": (record.get("internal_notes") or "").strip(),
        "former_slugs": sorted(record.get("former_slugs", [])),
        "source": record.get("source", SourceDocument.CURATOR),
        "status": record.get("status", EntryStatus.PUBLISHED),
    }


def fingerprint(entry_dict: dict) -> str:
    content = {name: value for name, value in entry_dict.items() if name not in {"slug", "key"}}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def steps_to_dicts(steps) -> list:
    result = []
    for step in steps:
        children = list(step.children.all())
        result.append({"text": step.text, "steps": steps_to_dicts(children)} if children else step.text)
    return result


def entry_to_dict(entry: Entry) -> dict:
    """Export shape of one entry; expects Entry.objects.with_details()."""
    return {
        "key": entry.key,
        "vendor": entry.vendor.slug,
        "title": entry.title,
        "slug": entry.slug,
        "message": entry.message,
        "variants": list(entry.variants),
        "phrases": list(entry.phrases),
        "is_generic": entry.is_generic,
        "http_status": entry.http_status,
        "error_code": entry.error_code or None,
        "blocks_sync": entry.blocks_sync,
        "topics": sorted(topic.slug for topic in entry.topics.all()),
        "causes": [
            {"meaning": cause.meaning, "note": cause.note, "steps": steps_to_dicts(cause.steps.all())}
            for cause in entry.causes.all()
        ],
        "resources": [{"title": r.title, "url": r.url} for r in entry.resources.all()],
        "notes": entry.notes,
        "internal_notes": entry.internal_notes,
        "former_slugs": sorted(entry.former_slugs),
        "source": entry.source,
        "status": entry.status,
    }


def export_data(vendor_slugs: list[str] | None = None) -> dict:
    vendors = Vendor.objects.all()
    entries = Entry.objects.with_details().order_by("vendor__slug", "title", "id")
    if vendor_slugs:
        vendors = vendors.filter(slug__in=vendor_slugs)
        entries = entries.filter(vendor__slug__in=vendor_slugs)
    return {
        "vendors": [
            {
                "name": v.name,
                "slug": v.slug,
                "kind": v.kind,
                "aliases": list(v.aliases),
                "description": v.description,
                "former_slugs": list(v.former_slugs),
            }
            for v in vendors.order_by("slug")
        ],
        "topics": [
            {"slug": t.slug, "name": t.name, "description": t.description} for t in Topic.objects.order_by("slug")
        ],
        "entries": [entry_to_dict(entry) for entry in entries],
    }


def _unique_slug(wanted: str, taken: set[str]) -> str:
    base = slugify(wanted)[:190] or "entry"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def create_steps(cause: Cause, steps: list, parent: Step | None = None) -> None:
    rows = [
        Step(cause=cause, parent=parent, position=position, text=step if isinstance(step, str) else step["text"])
        for position, step in enumerate(steps, start=1)
    ]
    Step.objects.bulk_create(rows)
    for row, step in zip(rows, steps, strict=False):
        if isinstance(step, dict) and step.get("steps"):
            create_steps(cause, step["steps"], parent=row)


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
    return fingerprint(entry_to_dict(entry))


@transaction.atomic
def import_data(data: Any, *, overwrite_curated: bool = False) -> ImportReport:
    validate(data)
    report = ImportReport()
    for record in data.get("topics", []):
        _, created = Topic.objects.update_or_create(
            slug=record["slug"], defaults={"name": record["name"], "description": record.get("description", "")}
        )
        report.topics_created += created
    for record in data.get("vendors", []):
        defaults = {
            "name": record["name"],
            "kind": record.get("kind", VendorKind.SIS),
            "aliases": record.get("aliases", []),
            "description": record.get("description", ""),
            "former_slugs": record.get("former_slugs", []),
        }
        _, created = Vendor.objects.update_or_create(slug=record["slug"], defaults=defaults)
        if created:
            report.vendors_created += 1
        else:
            report.vendors_updated += 1

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
        content = _normal_entry(record, vendor.slug)
        new_fingerprint = fingerprint(content)
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
            report.entries_created += 1
            continue
        current = current_fingerprint(entry)
        if current == new_fingerprint:
            report.entries_unchanged += 1
            continue
        if entry.imported_fingerprint and current != entry.imported_fingerprint and not overwrite_curated:
            report.entries_kept_curated.append(f"{vendor.slug} / {entry.title}")
            continue
        fields |= {"title": content["title"], "message": content["message"]}
        if content["slug"] and content["slug"] != entry.slug:
            # A renamed slug keeps the old permalink working.
            fields |= {"slug": content["slug"], "former_slugs": sorted({*content["former_slugs"], entry.slug})}
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.save(update_fields=[*fields, "updated_at"])
        _write_content(entry, content, topics)
        report.entries_updated += 1
    SearchToken.objects.refresh()
    return report
