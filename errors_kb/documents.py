"""The entry document of ../shared/DESIGN.md ("Import format"), in one place.

Import, export, the read API (/api/entries/<id>) and the admin all use it:

- the schema check (`validate`), whose limits and rules are the model fields' own
  validators, so a record the admin accepts is one the import accepts and back;
- the normal form of vendors, topics and entries (every optional field filled in);
- their fingerprints, which tell a curator's edit from the last import;
- the step-tree codec: nested lists of steps to rows and back.

The upsert itself (what changes in the database) is errors_kb/importing.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from errors_kb.models import (
    Cause,
    Entry,
    EntryStatus,
    Resource,
    SourceDocument,
    Step,
    Topic,
    Vendor,
    VendorKind,
)

# Steps nest at most this deep: the entry page and the admin's indented text show that much.
MAX_STEP_DEPTH = 3


@dataclass(frozen=True)
class Problem:
    record: str  # which record: "entries[3] (skyward / Grading Category Not Found)"
    text: str  # what is wrong with it, naming the field

    def __str__(self) -> str:
        return f"{self.record}: {self.text}"


class ImportFileError(Exception):
    """A file that cannot be imported; nothing was changed. `problems` are readable lines."""

    def __init__(self, problems: list[Problem | str]):
        self.details = [p if isinstance(p, Problem) else Problem("file", p) for p in problems]
        self.problems = [str(p) if isinstance(p, Problem) else p for p in problems]
        super().__init__("\n".join(self.problems))

    def by_record(self) -> dict[str, list[str]]:
        """Problems grouped by the record they belong to, in file order."""
        grouped: dict[str, list[str]] = {}
        for problem in self.details:
            grouped.setdefault(problem.record, []).append(problem.text)
        return grouped


def _is_text(value: Any, *, required: bool) -> bool:
    return isinstance(value, str) and (bool(value.strip()) or not required)


def field_problems(model: type[models.Model], name: str, value: Any) -> list[str]:
    """What the model field `name` says about `value`: its max_length, slug, URL and range
    validators, the same ones the admin's forms run."""
    try:
        model._meta.get_field(name).run_validators(value)
    except ValidationError as error:
        # URLField runs its own URLValidator beside ours: both say "Enter a valid URL."
        return list(dict.fromkeys(error.messages))
    return []


def steps_problems(steps: list, depth: int = 1) -> list[tuple[str, str]]:
    """(where, what) for each step of a tree that the schema refuses; [] when it is fine."""
    if depth > MAX_STEP_DEPTH:
        return [("", f"steps nest deeper than {MAX_STEP_DEPTH} levels")]
    problems = []
    for number, step in enumerate(steps, start=1):
        where = f"step {number}"
        if isinstance(step, str):
            if not step.strip():
                problems.append((where, "field 'text' must not be empty"))
        elif isinstance(step, dict):
            if not _is_text(step.get("text"), required=True):
                problems.append((where, "field 'text' must be a non-empty string"))
            children = step.get("steps", [])
            if not isinstance(children, list):
                problems.append((where, "field 'steps' must be a list"))
            else:
                problems += [(f"{where} {inner}".strip(), text) for inner, text in steps_problems(children, depth + 1)]
        else:
            problems.append((where, "field 'text' must be a string or an object with 'text' and 'steps'"))
    return problems


class _Validator:
    def __init__(self, data: Any):
        self.data = data
        self.problems: list[Problem] = []

    def problem(self, where: str, field_name: str, text: str) -> None:
        self.problems.append(Problem(where, f"field {field_name!r} {text}"))

    def model_rules(self, record: dict, where: str, name: str, model: type[models.Model]) -> None:
        for message in field_problems(model, name, record.get(name)):
            self.problem(where, name, f"is refused: {message}")

    def text(self, record: dict, where: str, name: str, model: type[models.Model], *, required: bool) -> None:
        value = record.get(name, "" if not required else None)
        if value is None and not required:
            return
        if not _is_text(value, required=required):
            self.problem(where, name, "must be a non-empty string" if required else "must be a string")
        else:
            self.model_rules({name: value.strip()}, where, name, model)

    def string_list(self, record: dict, where: str, name: str, model: type[models.Model]) -> None:
        value = record.get(name, [])
        if not isinstance(value, list) or not all(_is_text(item, required=True) for item in value):
            self.problem(where, name, "must be a list of non-empty strings")
        else:
            self.model_rules({name: [item.strip() for item in value]}, where, name, model)

    def slug(self, record: dict, where: str, name: str, model: type[models.Model]) -> bool:
        value = record.get(name)
        if not isinstance(value, str) or not value or field_problems(model, name, value):
            limit = model._meta.get_field(name).max_length
            self.problem(where, name, f"must be a slug of letters, digits and hyphens, at most {limit} long")
            return False
        return True

    def slug_list(self, record: dict, where: str, name: str, model: type[models.Model]) -> None:
        value = record.get(name, [])
        if (
            not isinstance(value, list)
            or not all(isinstance(item, str) and item for item in value)
            or field_problems(model, name, value)
        ):
            self.problem(where, name, "must be a list of slugs of letters, digits and hyphens")

    def run(self) -> None:
        if not isinstance(self.data, dict):
            self.problems.append(Problem("file", "must hold a JSON object with 'vendors' and 'entries' lists"))
            return
        unknown = set(self.data) - {"vendors", "entries", "topics"}
        if unknown:
            self.problems.append(Problem("file", f"unknown top-level keys: {', '.join(sorted(unknown))}"))
        for key in ("vendors", "entries", "topics"):
            if not isinstance(self.data.get(key, []), list):
                self.problems.append(Problem("file", f"top-level {key!r} must be a list"))
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
                self.problems.append(Problem(where, "must be an object"))
                continue
            where = f"vendors[{index}] ({vendor.get('name') or vendor.get('slug') or '?'})"
            self.text(vendor, where, "name", Vendor, required=True)
            self.text(vendor, where, "description", Vendor, required=False)
            self.slug(vendor, where, "slug", Vendor)
            slug = vendor.get("slug")
            if vendor.get("kind", VendorKind.SIS) not in VendorKind.values:
                self.problem(where, "kind", f"must be one of {', '.join(VendorKind.values)}")
            self.string_list(vendor, where, "aliases", Vendor)
            self.slug_list(vendor, where, "former_slugs", Vendor)
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
                self.problems.append(Problem(where, "must be an object"))
                continue
            where = f"topics[{index}] ({topic.get('slug') or '?'})"
            self.text(topic, where, "name", Topic, required=True)
            self.text(topic, where, "description", Topic, required=False)
            if self.slug(topic, where, "slug", Topic):
                known.add(topic["slug"])
        return known

    def entries(self, vendor_keys: set[str], topic_slugs: set[str]) -> None:
        natural_keys: set[tuple] = set()
        keys: set = set()
        slugs: set[tuple] = set()
        for index, entry in enumerate(self.data.get("entries", [])):
            where = f"entries[{index}]"
            if not isinstance(entry, dict):
                self.problems.append(Problem(where, "must be an object"))
                continue
            where = f"entries[{index}] ({entry.get('vendor')!s} / {entry.get('title')!s})"
            vendor = entry.get("vendor")
            if not _is_text(vendor, required=True):
                self.problem(where, "vendor", "must name a vendor by slug")
            elif vendor not in vendor_keys and vendor.lower() not in vendor_keys:
                self.problem(where, "vendor", f"names an unknown vendor {vendor!r}")
            self.text(entry, where, "title", Entry, required=True)
            self.text(entry, where, "message", Entry, required=True)
            self.string_list(entry, where, "variants", Entry)
            self.string_list(entry, where, "phrases", Entry)
            if not isinstance(entry.get("is_generic", False), bool):
                self.problem(where, "is_generic", "must be true or false")
            self.text(entry, where, "notes", Entry, required=False)
            self.text(entry, where, "internal_notes", Entry, required=False)
            self.slug_list(entry, where, "former_slugs", Entry)
            if entry.get("key") is not None:
                self.text(entry, where, "key", Entry, required=True)
                if entry.get("key") in keys:
                    self.problem(where, "key", f"{entry['key']!r} appears twice in the file")
                keys.add(entry.get("key"))
            if entry.get("slug") is not None and self.slug(entry, where, "slug", Entry):
                if (vendor, entry["slug"]) in slugs:
                    self.problem(where, "slug", f"{entry['slug']!r} appears twice for this vendor")
                slugs.add((vendor, entry["slug"]))
            status = entry.get("http_status")
            if status is not None:
                if isinstance(status, bool) or not isinstance(status, int):
                    self.problem(where, "http_status", "must be null or an integer from 100 to 599")
                else:
                    self.model_rules(entry, where, "http_status", Entry)
            code = entry.get("error_code")
            if code is not None:
                if not isinstance(code, str):
                    self.problem(where, "error_code", "must be null or a string")
                else:
                    self.model_rules({"error_code": code.strip()}, where, "error_code", Entry)
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
                self.problems.append(Problem(where, "the same vendor, title and message appear twice in the file"))
            natural_keys.add(key)

    def parts(self, entry: dict, where: str, name: str, *, required: bool):
        """Each object of the entry's list `name` ("causes", "resources"); the problems found
        while the caller checks one are labelled with it ("cause 2: ...")."""
        items = entry.get(name) if required else entry.get(name, [])
        if not isinstance(items, list) or (required and not items):
            self.problem(where, name, "must be a non-empty list" if required else "must be a list")
            return
        for number, item in enumerate(items, start=1):
            label = f"{name[:-1]} {number}"
            if not isinstance(item, dict):
                self.problems.append(Problem(where, f"{label}: must be an object"))
                continue
            before = len(self.problems)
            yield item
            self.name_part(where, label, before)

    def causes(self, entry: dict, where: str) -> None:
        for cause in self.parts(entry, where, "causes", required=True):
            self.text(cause, where, "meaning", Cause, required=True)
            self.text(cause, where, "note", Cause, required=False)
            steps = cause.get("steps", [])
            if not isinstance(steps, list):
                self.problem(where, "steps", "must be a list")
                continue
            for step_where, text in steps_problems(steps):
                self.problems.append(Problem(where, f"{step_where}: {text}" if step_where else text))

    def resources(self, entry: dict, where: str) -> None:
        for resource in self.parts(entry, where, "resources", required=False):
            self.text(resource, where, "title", Resource, required=True)
            url = resource.get("url") or ""
            if not isinstance(url, str) or (url.strip() and field_problems(Resource, "url", url.strip())):
                self.problem(where, "url", "must be empty or an http(s) URL")

    def name_part(self, where: str, label: str, since: int) -> None:
        """Name the cause or resource ("cause 2") in the problems its fields raised since `since`."""
        for position in range(since, len(self.problems)):
            text = self.problems[position].text
            self.problems[position] = Problem(where, f"{label}{' ' if text.startswith('step ') else ': '}{text}")


def validate(data: Any) -> None:
    """Raise ImportFileError naming every bad record and field; return when all are good."""
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


# Normal form: a record's content in export shape, every optional field filled in.


def normal_steps(steps: list) -> list:
    result = []
    for step in steps:
        if isinstance(step, str):
            result.append(step.strip())
        elif step.get("steps"):
            result.append({"text": step["text"].strip(), "steps": normal_steps(step["steps"])})
        else:
            result.append(step["text"].strip())
    return result


def normal_vendor(record: dict) -> dict:
    return {
        "name": record["name"].strip(),
        "slug": record["slug"],
        "kind": record.get("kind", VendorKind.SIS),
        "aliases": [alias.strip() for alias in record.get("aliases", [])],
        "description": (record.get("description") or "").strip(),
        "former_slugs": list(record.get("former_slugs", [])),
    }


def normal_topic(record: dict) -> dict:
    return {
        "slug": record["slug"],
        "name": record["name"].strip(),
        "description": (record.get("description") or "").strip(),
    }


def normal_entry(record: dict, vendor_slug: str) -> dict:
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
        "error_code": (record.get("error_code") or "").strip() or None,
        "blocks_sync": record.get("blocks_sync", True),
        "topics": sorted(record.get("topics", [])),
        "causes": [
            {
                "meaning": cause["meaning"].strip(),
                "note": (cause.get("note") or "").strip(),
                "steps": normal_steps(cause.get("steps", [])),
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


# Fingerprints: what a curator may edit, hashed. Identity (slug, key) and the permalink
# history are left out: they are not content, and renaming keeps the record the same.


def _digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def entry_fingerprint(entry_dict: dict) -> str:
    return _digest({name: value for name, value in entry_dict.items() if name not in {"slug", "key"}})


def vendor_fingerprint(vendor_dict: dict) -> str:
    return _digest({name: vendor_dict[name] for name in ("name", "kind", "aliases", "description")})


def topic_fingerprint(topic_dict: dict) -> str:
    return _digest({name: topic_dict[name] for name in ("name", "description")})


# The step-tree codec: a step is a string, or {"text": ..., "steps": [...]} with sub-steps.


def steps_to_dicts(steps) -> list:
    """Step rows (with `children` prefetched where possible) to the nested-list shape."""
    result = []
    for step in steps:
        children = list(step.children.all())
        result.append({"text": step.text, "steps": steps_to_dicts(children)} if children else step.text)
    return result


def create_steps(cause: Cause, steps: list, parent: Step | None = None) -> None:
    """The nested-list shape to Step rows of `cause`, numbered from 1 at every level."""
    rows = [
        Step(cause=cause, parent=parent, position=position, text=step if isinstance(step, str) else step["text"])
        for position, step in enumerate(steps, start=1)
    ]
    Step.objects.bulk_create(rows)
    for row, step in zip(rows, steps, strict=False):
        if isinstance(step, dict) and step.get("steps"):
            create_steps(cause, step["steps"], parent=row)


# Export shape of stored rows.


def vendor_to_dict(vendor: Vendor) -> dict:
    return {
        "name": vendor.name,
        "slug": vendor.slug,
        "kind": vendor.kind,
        "aliases": list(vendor.aliases),
        "description": vendor.description,
        "former_slugs": list(vendor.former_slugs),
    }


def topic_to_dict(topic: Topic) -> dict:
    return {"slug": topic.slug, "name": topic.name, "description": topic.description}


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
        "vendors": [vendor_to_dict(v) for v in vendors.order_by("slug")],
        "topics": [topic_to_dict(t) for t in Topic.objects.order_by("slug")],
        "entries": [entry_to_dict(entry) for entry in entries],
    }


def export_text(vendor_slugs: list[str] | None = None) -> str:
    """The export file's text, as `export_entries` writes it and the admin downloads it."""
    return json.dumps(export_data(vendor_slugs), indent=2, ensure_ascii=False) + "\n"
