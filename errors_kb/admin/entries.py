from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db import models, transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from errors_kb.admin import imports, workbench
from errors_kb.admin.history import EntryHistoryAdmin, ReviewDueFilter, record_change, remember_old_slug
from errors_kb.documents import MAX_STEP_DEPTH, create_steps, steps_problems, steps_to_dicts
from errors_kb.models import Cause, Entry, EntryStatus, Resource, Step
from errors_kb.search import SearchInputError, search
from errors_kb.steps_text import steps_to_text, text_to_steps


class LinesField(forms.CharField):
    """A list edited as one item a line (commas are common inside messages and phrases)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 90})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class EntryForm(forms.ModelForm):
    variants = LinesField(required=False, help_text="Other wordings of the same message, one a line.")
    phrases = LinesField(
        required=False,
        label="Also described as",
        help_text="How people describe this problem in their own words, one phrase a line.",
    )

    class Meta:
        model = Entry
        fields = ["variants", "phrases"]  # the admin adds the rest from its fieldsets
        # The admin shows help texts as HTML: escaped, so <Section ID> reads as written.
        help_texts = {
            "message": escape(
                "The error message as the source words it. Write each part that changes from one "
                "paste to the next as a placeholder: [assignment name], [xxxxx], <Section ID>, "
                "XX/XX/XXXX, (ASSIGNMENT ID), ######, {{teacher_id}}. Example: Grading category "
                "[category name] not found in Skyward for section [section ID]. A pasted "
                '"Grading category "Homework" not found in Skyward for section 1021.2.004" then '
                "matches exactly, with the category and section as values."
            ),
        }

    def clean_slug(self) -> str:
        # A slug another entry of the vendor had before still redirects there: taking it would
        # send its old links here instead.
        slug = self.cleaned_data["slug"]
        vendor = self.cleaned_data.get("vendor") or getattr(self.instance, "vendor", None)
        former = Entry.objects.filter(vendor=vendor, former_slugs__contains=[slug]).exclude(pk=self.instance.pk)
        if vendor is not None and former.exists():
            raise forms.ValidationError(
                f"“{slug}” was the address of “{former.first().title}” before; its old links lead there. Pick another slug."
            )
        return slug


class CauseForm(forms.ModelForm):
    steps_text = forms.CharField(
        label="How to fix",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 90, "class": "vLargeTextField"}),
        help_text="One step a line, in order. Indent a line (4 spaces) to make it a sub-step of the line above.",
    )

    class Meta:
        model = Cause
        fields = ["position", "meaning", "note"]
        widgets = {
            "meaning": forms.Textarea(attrs={"rows": 3, "cols": 90}),
            "note": forms.Textarea(attrs={"rows": 2, "cols": 90}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty means "after the others": CauseFormSet numbers it. A new cause used to show the
        # model default 1, which collides with the first cause and fails to save.
        self.fields["position"].required = False
        self.fields["position"].help_text = "Leave empty to put the cause after the others."
        if not self.instance.pk:
            self.initial["position"] = None
        if self.instance.pk:
            top_steps = self.instance.steps.filter(parent__isnull=True).prefetch_related("children__children")
            self.fields["steps_text"].initial = steps_to_text(steps_to_dicts(top_steps))

    def clean_steps_text(self) -> str:
        # The import format's rules (errors_kb/documents.py), so whatever is saved here exports
        # to a file the import takes back.
        text = self.cleaned_data["steps_text"]
        if steps_problems(text_to_steps(text)):
            raise forms.ValidationError(
                f"Steps nest at most {MAX_STEP_DEPTH} levels deep: indent a line at most {MAX_STEP_DEPTH - 1} times."
            )
        return text

    def save(self, commit: bool = True) -> Cause:
        cause = super().save(commit=commit)
        if commit and "steps_text" in self.changed_data:
            with transaction.atomic():
                cause.steps.all().delete()
                create_steps(cause, text_to_steps(self.cleaned_data["steps_text"]))
        return cause


class CauseFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """Number the causes left without a position after the highest one kept, in form order,
        before the unique (entry, position) check runs."""
        kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and not self._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
        ]
        following = max((form.cleaned_data.get("position") or 0 for form in kept), default=0) + 1
        for form in kept:
            if not form.cleaned_data.get("position"):
                form.cleaned_data["position"] = form.instance.position = following
                following += 1
        super().clean()


class CauseInline(admin.StackedInline):
    model = Cause
    form = CauseForm
    formset = CauseFormSet
    extra = 0
    # The import format needs a cause on every entry: the admin asks for one too.
    min_num = 1
    validate_min = True
    fields = ["position", "meaning", "steps_text", "note"]


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ["position", "title", "url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    fields = ["position", "parent", "text"]
    raw_id_fields = ["parent"]


@admin.register(Entry)
class EntryAdmin(EntryHistoryAdmin):
    form = EntryForm
    list_display = ["title", "vendor", "http_status", "blocks_sync", "status", "updated_at", "reviewed_at"]
    list_display += ["helpful_count", "not_helpful_count"]  # "Did this fix it?" answers, sortable (admin/feedback.py)
    list_filter = ["status", ReviewDueFilter, "vendor", "topics", "blocks_sync", "source", "http_status"]
    list_select_related = ["vendor"]
    search_fields = ["title", "message", "error_code"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    inlines = [CauseInline, ResourceInline]
    readonly_fields = ["key", "created_at", "updated_at", "reviewed_at"]
    actions = ["publish", "unpublish", "mark_reviewed"]
    fieldsets = [
        (None, {"fields": ["vendor", "title", "slug", "message", "variants", "phrases", "status"]}),
        (
            "Classification",
            {"fields": ["http_status", "error_code", "blocks_sync", "is_generic", "topics", "source"]},
        ),
        (
            "Notes",
            {"fields": ["notes", "internal_notes", "former_slugs", "key", "created_at", "updated_at", "reviewed_at"]},
        ),
    ]

    # Longer searches are pastes: Django's search ANDs every word as icontains over three
    # columns, which never finds a filled-in message and costs a scan a word.
    SEARCH_ICONTAINS_MAX_WORDS = 40
    SEARCH_PORTAL_LIMIT = 25

    def get_urls(self):
        return [*imports.urls(self), *workbench.urls(self), *super().get_urls()]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Django's word search (drafts included) united with what the portal's paste search
        ranks for the text (published entries), ranked ones first in the portal's order."""
        term = search_term.strip()
        if len(term.split()) > self.SEARCH_ICONTAINS_MAX_WORDS:
            found, may_have_duplicates = queryset.none(), False
        else:
            found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not term:
            return found, may_have_duplicates
        try:
            result = search(term, max_chars=settings.SEARCH_MAX_CHARS, limit=self.SEARCH_PORTAL_LIMIT)
        except SearchInputError:
            return found, may_have_duplicates
        ranked = list(dict.fromkeys(r.candidate.id for group in result.groups for r in group.ranking.results))
        if not ranked:
            return found, may_have_duplicates
        relevance = Case(
            *(When(pk=pk, then=Value(len(ranked) - index)) for index, pk in enumerate(ranked)),
            default=Value(0),
            output_field=IntegerField(),
        )
        found = (found | queryset.filter(pk__in=ranked)).annotate(search_relevance=relevance)
        if ORDER_VAR not in request.GET:
            # The changelist set its ordering before searching; a column the curator sorts by wins.
            found = found.order_by("-search_relevance", *found.query.order_by)
        return found, may_have_duplicates

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The search's word counts follow in this transaction (triggers: errors_kb/search_index.py).
        form.instance.refresh_content_tokens()

    def save_model(self, request: HttpRequest, obj: Entry, form, change: bool) -> None:
        if change and "slug" in form.changed_data:
            obj.former_slugs = remember_old_slug(obj.former_slugs, form.initial.get("slug", ""), obj.slug)
        super().save_model(request, obj, form, change)

    def _record(self, request: HttpRequest, queryset: QuerySet, comment: str, **values) -> list[Entry]:
        # Each entry gets a revision of its own (who, when, comment) and a line in Recent actions.
        changed = record_change(queryset.select_related("vendor"), request.user, comment, **values)
        for entry in changed:
            self.log_change(request, entry, comment)
        return changed

    @admin.action(description="Publish the selected entries", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = self._record(
            request, queryset.exclude(status=EntryStatus.PUBLISHED), "Published", status=EntryStatus.PUBLISHED
        )
        self.message_user(request, f"{len(changed)} entries published.")

    @admin.action(description="Move the selected entries back to draft", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = self._record(
            request, queryset.exclude(status=EntryStatus.DRAFT), "Moved to draft", status=EntryStatus.DRAFT
        )
        self.message_user(request, f"{len(changed)} entries moved to draft.")

    @admin.action(description="Mark the selected entries reviewed today", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        changed = self._record(request, queryset, "Marked reviewed", reviewed_at=timezone.localdate())
        self.message_user(request, f"{len(changed)} entries marked reviewed today.")
        if request.POST.get("_from_change_form") and len(changed) == 1:
            # The change form's "Mark reviewed" button: back to the entry, not the list.
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:errors_kb_entry_change", args=[changed[0].pk]))
        return None


@admin.register(Cause)
class CauseAdmin(admin.ModelAdmin):
    list_display = ["entry", "position", "meaning"]
    list_select_related = ["entry__vendor"]
    search_fields = ["meaning", "entry__title"]
    list_filter = ["entry__vendor"]
    autocomplete_fields = ["entry"]
    inlines = [StepInline]
