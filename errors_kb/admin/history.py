"""An entry's history: one django-reversion revision a change, holding the entry with its
causes, steps and resources; what changed, in words; a line diff of two versions; revert.

An entry's version is turned into a *document*: its fields, causes (meaning, note, numbered
steps) and resources as labelled sections of text lines. Two documents compared section by
section give the summary ("Changed title, steps of cause 1"); their lines compared with
difflib give the diff.
"""

from __future__ import annotations

import datetime
import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin
from reversion.models import Version

from errors_kb.models import Cause, Entry, EntryStatus, Resource, SourceDocument, Step, Topic, Vendor

# One revision holds the whole entry: following causes (and their steps) and resources
# puts them in every revision of the entry, so reverting it restores them together.
reversion.register(Entry, follow=("causes", "resources"))
reversion.register(Cause, follow=("steps",))
reversion.register(Step)
reversion.register(Resource)
reversion.register(Vendor)
reversion.register(Topic)

# The entry fields a document shows, in page order, with the words the summary uses.
ENTRY_FIELDS = [
    ("title", "title"),
    ("slug", "slug"),
    ("vendor_id", "vendor"),
    ("status", "status"),
    ("message", "message"),
    ("variants", "other wordings"),
    ("phrases", "also described as"),
    ("http_status", "HTTP status"),
    ("error_code", "error code"),
    ("blocks_sync", "blocks other grades"),
    ("is_generic", "generic message"),
    ("topics", "topics"),
    ("source", "source"),
    ("reviewed_at", "last reviewed"),
    ("notes", "notes"),
    ("internal_notes", "internal notes"),
    ("former_slugs", "former slugs"),
]
# Counters and bookkeeping that a revert leaves as they are: votes cast since that version
# stay counted, and the import fingerprint keeps describing what the last import wrote.
KEPT_ON_REVERT = ("helpful_count", "not_helpful_count", "imported_fingerprint")


@dataclass
class Snapshot:
    """An entry with its parts as plain rows, read from the database or from a revision."""

    fields: dict
    causes: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    resources: list[dict] = field(default_factory=list)


def current_snapshot(entry_id: int) -> Snapshot:
    fields = Entry.objects.filter(pk=entry_id).values(*(name for name, _ in ENTRY_FIELDS if name != "topics")).get()
    fields["topics"] = list(Entry.topics.through.objects.filter(entry_id=entry_id).values_list("topic_id", flat=True))
    return Snapshot(
        fields=fields,
        causes=list(Cause.objects.filter(entry_id=entry_id).values("id", "position", "meaning", "note")),
        steps=list(
            Step.objects.filter(cause__entry_id=entry_id).values("id", "cause_id", "parent_id", "position", "text")
        ),
        resources=list(Resource.objects.filter(entry_id=entry_id).values("id", "position", "title", "url")),
    )


def _entry_objects(version: Version) -> dict[type, list]:
    """The deserialized objects of the version's revision that belong to its entry (a revision
    made elsewhere may hold other entries too)."""
    entry_id = int(version.object_id)
    found: dict[type, list] = defaultdict(list)
    for other in version.revision.version_set.select_related("content_type"):
        model = other.content_type.model_class()  # None when a model has been removed since
        if model in (Entry, Cause, Step, Resource):
            found[model].append(
                next(serializers.deserialize(other.format, other.serialized_data, ignorenonexistent=True))
            )
    cause_ids = {c.object.pk for c in found[Cause] if c.object.entry_id == entry_id}
    return {
        Entry: [e for e in found[Entry] if e.object.pk == entry_id],
        Cause: [c for c in found[Cause] if c.object.entry_id == entry_id],
        Step: [s for s in found[Step] if s.object.cause_id in cause_ids],
        Resource: [r for r in found[Resource] if r.object.entry_id == entry_id],
    }


def version_snapshot(version: Version) -> Snapshot:
    objects = _entry_objects(version)
    entry = objects[Entry][0]
    fields = {name: getattr(entry.object, name) for name, _ in ENTRY_FIELDS if name != "topics"}
    fields["topics"] = list(entry.m2m_data.get("topics", []))
    return Snapshot(
        fields=fields,
        causes=[
            {"id": c.object.pk, "position": c.object.position, "meaning": c.object.meaning, "note": c.object.note}
            for c in objects[Cause]
        ],
        steps=[
            {
                "id": s.object.pk,
                "cause_id": s.object.cause_id,
                "parent_id": s.object.parent_id,
                "position": s.object.position,
                "text": s.object.text,
            }
            for s in objects[Step]
        ],
        resources=[
            {"id": r.object.pk, "position": r.object.position, "title": r.object.title, "url": r.object.url}
            for r in objects[Resource]
        ],
    )


# --- documents ---------------------------------------------------------------------------

Section = tuple[str, str, list[str]]  # key, label in words, text lines (empty: not set)


def _value_lines(name: str, value) -> list[str]:
    if value is None or value == "" or value == []:
        return []
    if name == "vendor_id":
        return [Vendor.objects.filter(pk=value).values_list("name", flat=True).first() or f"vendor #{value}"]
    if name == "topics":
        names = dict(Topic.objects.filter(pk__in=value).values_list("pk", "name"))
        return [", ".join(sorted(names.get(int(pk), f"topic #{pk}") for pk in value))]
    if name == "status":
        return [EntryStatus(value).label if value in EntryStatus.values else value]
    if name == "source":
        return [SourceDocument(value).label if value in SourceDocument.values else value]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, datetime.date):
        return [value.isoformat()]
    return str(value).splitlines() or [""]


def _step_lines(steps: list[dict]) -> list[str]:
    children: dict[int | None, list[dict]] = defaultdict(list)
    for step in steps:
        children[step["parent_id"]].append(step)
    lines: list[str] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for number, step in enumerate(sorted(children[parent], key=lambda s: (s["position"], s["id"])), start=1):
            label = f"{prefix}{number}."
            lines.append("    " * depth + f"{label} {' '.join(step['text'].split())}")
            walk(step["id"], label, depth + 1)

    walk(None, "", 0)
    return lines


def document_sections(snapshot: Snapshot) -> list[Section]:
    sections = [(name, label, _value_lines(name, snapshot.fields.get(name))) for name, label in ENTRY_FIELDS]
    causes = sorted(snapshot.causes, key=lambda c: (c["position"], c["id"]))
    for number, cause in enumerate(causes, start=1):
        steps = [step for step in snapshot.steps if step["cause_id"] == cause["id"]]
        sections += [
            (f"cause:{number}:meaning", f"meaning of cause {number}", _value_lines("meaning", cause["meaning"])),
            (f"cause:{number}:note", f"note of cause {number}", _value_lines("note", cause["note"])),
            (f"cause:{number}:steps", f"steps of cause {number}", _step_lines(steps)),
        ]
    resources = sorted(snapshot.resources, key=lambda r: (r["position"], r["id"]))
    sections.append(
        ("resources", "resources", [f"{r['title']} <{r['url']}>" if r["url"] else r["title"] for r in resources])
    )
    return sections


def document_lines(sections: list[Section]) -> list[str]:
    """The document as text: a one-line section as "Label: value", a longer one as its label
    and indented lines; unset sections are left out."""
    lines: list[str] = []
    for key, label, values in sections:
        heading = label[0].upper() + label[1:]
        if len(values) == 1 and not key.endswith(":steps") and key != "resources":
            lines.append(f"{heading}: {values[0]}")
        elif values:
            lines.append(f"{heading}:")
            lines += [f"    {value}" for value in values]
    return lines


def _cause_numbers(sections: list[Section]) -> set[str]:
    return {key.split(":")[1] for key, _, _ in sections if key.startswith("cause:")}


def describe_changes(before: list[Section], after: list[Section]) -> str:
    """What changed, in words: "Published; changed title, steps of cause 1; added cause 3"."""
    old = {key: values for key, _, values in before}
    new = {key: values for key, _, values in after}
    old_causes, new_causes = _cause_numbers(before), _cause_numbers(after)
    parts: list[str] = []
    if old.get("status") != new.get("status"):
        parts.append("Published" if new.get("status") == [EntryStatus.PUBLISHED.label] else "Moved to draft")
    changed = [
        label
        for key, label, values in after
        if key != "status"
        and key in old
        and old[key] != values
        and (not key.startswith("cause:") or key.split(":")[1] in old_causes)
    ]
    if changed:
        parts.append("Changed " + ", ".join(changed))
    parts += [f"Added cause {n}" for n in sorted(new_causes - old_causes, key=int)]
    parts += [f"Removed cause {n}" for n in sorted(old_causes - new_causes, key=int)]
    if not parts:
        return "No changes"
    return "; ".join([parts[0], *(part[0].lower() + part[1:] for part in parts[1:])])


@dataclass
class DiffRow:
    old: str | None  # None: no line on this side
    new: str | None
    changed: bool


def diff_rows(old_lines: list[str], new_lines: list[str]) -> list[DiffRow]:
    """The two documents side by side, changed lines paired where they were replaced."""
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(line, line, False) for line in old_lines[i1:i2]]
            continue
        olds, news = old_lines[i1:i2], new_lines[j1:j2]
        for k in range(max(len(olds), len(news))):
            rows.append(DiffRow(olds[k] if k < len(olds) else None, news[k] if k < len(news) else None, True))
    return rows


# --- revisions ---------------------------------------------------------------------------


def add_entry_to_revision(entry_id: int) -> None:
    """Put the entry and all its parts, as the database holds them now, into the open revision.

    The admin's own signals miss parts: steps are written with bulk_create (no signal), and
    the entry is serialized when it is saved, before its inlines and topics are."""
    reversion.add_to_revision(Entry.objects.get(pk=entry_id))
    for model, lookup in ((Cause, "entry_id"), (Step, "cause__entry_id"), (Resource, "entry_id")):
        for obj in model.objects.filter(**{lookup: entry_id}):
            reversion.add_to_revision(obj)


def latest_version(entry_id: int) -> Version | None:
    return Version.objects.get_for_object_reference(Entry, entry_id).select_related("revision").first()


def ensure_current_version(entry_id: int) -> None:
    """Save the entry as it is now when its latest version differs (or it has none): entries
    loaded from fixtures or changed by an import would otherwise have no version to go back to.
    Call it outside any open revision, which would merge it into the change that follows."""
    latest = latest_version(entry_id)
    now = document_sections(current_snapshot(entry_id))
    if latest is not None and document_sections(version_snapshot(latest)) == now:
        return
    with reversion.create_revision():
        reversion.set_comment(
            "As it was before its first change in the admin"
            if latest is None
            else "Changed outside the admin (an import or a script)"
        )
        add_entry_to_revision(entry_id)


def record_change(entries: Iterable[Entry], user, comment: str, **values) -> list[Entry]:
    """Set `values` on each entry and record one revision an entry, with the user and comment
    (one an entry, so reverting one entry's change never touches another)."""
    changed = []
    for entry in entries:
        with transaction.atomic():
            ensure_current_version(entry.pk)
            Entry.objects.filter(pk=entry.pk).update(**values, updated_at=timezone.now())
            with reversion.create_revision():
                reversion.set_user(user)
                reversion.set_comment(comment)
                add_entry_to_revision(entry.pk)
        changed.append(entry)
    return changed


def remember_old_slug(former_slugs: list[str], old: str, new: str) -> list[str]:
    """former_slugs after a rename from `old` to `new`: old links keep working, and a slug
    taken back stops redirecting to itself."""
    kept = [slug for slug in former_slugs if slug != new]
    if old and old != new and old not in kept:
        kept.append(old)
    return kept


class RevertRefused(Exception):
    pass


def revert_entry(version: Version, user) -> Entry:
    """Make the entry, its causes, steps and resources what they were in `version`, and record
    that as a new revision (so a revert can itself be reverted)."""
    entry_id = int(version.object_id)
    when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
    try:
        with transaction.atomic():
            entry = Entry.objects.select_for_update().get(pk=entry_id)
            ensure_current_version(entry_id)
            kept = {name: getattr(entry, name) for name in KEPT_ON_REVERT}
            old_slug = entry.slug
            objects = _entry_objects(version)
            restored = objects[Entry][0]
            if not Vendor.objects.filter(pk=restored.object.vendor_id).exists():
                raise RevertRefused("the vendor of that version has been deleted.")
            # Topics deleted since are dropped rather than failing the revert.
            topics = set(Topic.objects.filter(pk__in=restored.m2m_data.get("topics", [])).values_list("pk", flat=True))
            restored.m2m_data["topics"] = [pk for pk in restored.m2m_data.get("topics", []) if int(pk) in topics]
            # Removing the current parts first lets the old ones take their positions back
            # (positions are unique per entry, cause and parent step).
            Cause.objects.filter(entry_id=entry_id).delete()
            Resource.objects.filter(entry_id=entry_id).delete()
            for model in (Entry, Cause, Step, Resource):
                for obj in objects[model]:
                    obj.save()
            entry = Entry.objects.get(pk=entry_id)
            for name, value in kept.items():
                setattr(entry, name, value)
            entry.former_slugs = remember_old_slug(entry.former_slugs, old_slug, entry.slug)
            entry.save()  # fresh search words and updated_at
            entry.refresh_content_tokens()
            with reversion.create_revision():
                reversion.set_user(user)
                reversion.set_comment(f"Reverted to the version of {when}")
                add_entry_to_revision(entry_id)
    except IntegrityError as error:
        raise RevertRefused(
            "another entry of the vendor now has the slug, key or title and message of that version."
        ) from error
    return entry


# --- admin -------------------------------------------------------------------------------


class EntryHistoryAdmin(VersionAdmin):
    """VersionAdmin for entries: history that names what changed, a diff page, revert."""

    object_history_template = "admin/errors_kb/entry/object_history.html"
    # The entry's own admin/errors_kb/entry/change_list.html, not reversion's (whose only
    # addition, a "Recover deleted" link, the entry list does without).
    change_list_template = None
    history_latest_first = True

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/history/<int:version_id>/diff/",
                self.admin_site.admin_view(self.version_diff_view),
                name="{}_{}_version_diff".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                self.admin_site.admin_view(self.version_revert_view),
                name="{}_{}_version_revert".format(*info),
            ),
        ]
        return own + super().get_urls()

    def _diff_url(self, entry_id, version_id: int) -> str:
        return reverse(f"{self.admin_site.name}:errors_kb_entry_version_diff", args=[entry_id, version_id])

    def change_view(self, request: HttpRequest, object_id, form_url: str = "", extra_context=None):
        if request.method == "POST":
            entry = self.get_object(request, unquote(object_id))
            if entry is not None and self.has_change_permission(request, entry):
                # The change is described against the latest version: make sure it is the
                # entry as it is before this save.
                ensure_current_version(entry.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def log_addition(self, request: HttpRequest, obj, message):
        log = super().log_addition(request, obj, message)
        if reversion.is_active():
            add_entry_to_revision(obj.pk)
            reversion.set_comment("Created")
        return log

    def log_change(self, request: HttpRequest, obj, message):
        log = super().log_change(request, obj, message)
        if reversion.is_active():
            previous = latest_version(obj.pk)  # the new revision is saved when the block ends
            add_entry_to_revision(obj.pk)
            if previous is not None:
                reversion.set_comment(
                    describe_changes(
                        document_sections(version_snapshot(previous)), document_sections(current_snapshot(obj.pk))
                    )
                )
        return log

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # VersionAdmin wraps the changelist in one revision, which would merge the revisions
        # the publish / draft / reviewed actions record one an entry into a single one.
        context = {"has_change_permission": self.has_change_permission(request), **(extra_context or {})}
        return admin.ModelAdmin.changelist_view(self, request, context)

    def history_view(self, request: HttpRequest, object_id, extra_context=None):
        entry = self.get_object(request, unquote(object_id))
        versions = []
        if entry is not None:
            for version in Version.objects.get_for_object(entry).select_related("revision__user"):
                url = self._diff_url(entry.pk, version.pk)
                versions.append({"revision": version.revision, "url": url, "current_url": f"{url}?with=current"})
        return super().history_view(request, object_id, {"action_list": versions, **(extra_context or {})})

    def revision_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        # One way to look at and revert a version: the diff page (reversion's own form would
        # revert without the entry's search words refreshed).
        return HttpResponseRedirect(self._diff_url(unquote(object_id), version_id))

    def _entry_for(self, request: HttpRequest, object_id, allowed) -> Entry:
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            raise Http404("No such entry.")
        if not allowed(request, entry):
            raise PermissionDenied
        return entry

    def version_diff_view(self, request: HttpRequest, object_id, version_id: int) -> HttpResponse:
        entry = self._entry_for(request, object_id, self.has_view_or_change_permission)
        versions = Version.objects.get_for_object(entry).select_related("revision__user")
        version = get_object_or_404(versions, pk=version_id)
        this = document_sections(version_snapshot(version))
        with_current = request.GET.get("with") == "current"
        previous = None
        if with_current:
            older, newer = this, document_sections(current_snapshot(entry.pk))
        else:
            previous = versions.filter(pk__lt=version.pk).first()
            older, newer = (document_sections(version_snapshot(previous)) if previous else []), this
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": entry,
            "object_id": entry.pk,
            "title": f"Version of {date_format(timezone.localtime(version.revision.date_created), 'DATETIME_FORMAT')}",
            "version": version,
            "previous": previous,
            "with_current": with_current,
            "summary": describe_changes(older, newer) if older else "",
            "rows": diff_rows(document_lines(older), document_lines(newer)),
            "diff_url": self._diff_url(entry.pk, version.pk),
            "previous_url": self._diff_url(entry.pk, previous.pk) if previous else "",
            "revert_url": reverse(
                f"{self.admin_site.name}:errors_kb_entry_version_revert", args=[entry.pk, version.pk]
            ),
            "can_revert": self.has_change_permission(request, entry),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/errors_kb/entry/version_diff.html", context)

    @method_decorator(require_POST)
    def version_revert_view(self, request: HttpRequest, object_id, version_id: int) -> HttpResponse:
        entry = self._entry_for(request, object_id, self.has_change_permission)
        version = get_object_or_404(Version.objects.get_for_object(entry), pk=version_id)
        try:
            entry = revert_entry(version, request.user)
        except RevertRefused as refused:
            self.message_user(request, f"Could not revert: {refused}", messages.ERROR)
            return HttpResponseRedirect(self._diff_url(entry.pk, version.pk))
        when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
        self.log_change(request, entry, f"Reverted to the version of {when}")
        self.message_user(request, f"“{entry}” is back to the version of {when}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:errors_kb_entry_change", args=[entry.pk]))


# --- review ------------------------------------------------------------------------------


def twelve_months_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class ReviewDueFilter(admin.SimpleListFilter):
    """Entries a curator should check against their sources again."""

    title = "review due"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin):
        return [("due", "Not reviewed for 12 months (or never)"), ("never", "Never reviewed")]

    def queryset(self, request: HttpRequest, queryset):
        if self.value() == "due":
            cutoff = twelve_months_before(timezone.localdate())
            return queryset.filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lte=cutoff))
        if self.value() == "never":
            return queryset.filter(reviewed_at__isnull=True)
        return queryset
