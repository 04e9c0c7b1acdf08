from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from errors_kb.importing import create_steps, steps_to_dicts
from errors_kb.models import Cause, Entry, EntryStatus, Resource, SearchToken, Step
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
        if self.instance.pk:
            top_steps = self.instance.steps.filter(parent__isnull=True).prefetch_related("children__children")
            self.fields["steps_text"].initial = steps_to_text(steps_to_dicts(top_steps))

    def save(self, commit: bool = True) -> Cause:
        cause = super().save(commit=commit)
        if commit and "steps_text" in self.changed_data:
            with transaction.atomic():
                cause.steps.all().delete()
                create_steps(cause, text_to_steps(self.cleaned_data["steps_text"]))
        return cause


class CauseInline(admin.StackedInline):
    model = Cause
    form = CauseForm
    extra = 0
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
class EntryAdmin(admin.ModelAdmin):
    form = EntryForm
    list_display = ["title", "vendor", "http_status", "blocks_sync", "status", "updated_at"]
    list_filter = ["status", "vendor", "topics", "blocks_sync", "source", "http_status"]
    list_select_related = ["vendor"]
    search_fields = ["title", "message", "error_code"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    inlines = [CauseInline, ResourceInline]
    readonly_fields = ["key", "created_at", "updated_at"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["vendor", "title", "slug", "message", "variants", "phrases", "status"]}),
        (
            "Classification",
            {"fields": ["http_status", "error_code", "blocks_sync", "is_generic", "topics", "source"]},
        ),
        ("Notes", {"fields": ["notes", "internal_notes", "former_slugs", "key", "created_at", "updated_at"]}),
    ]

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.refresh_content_tokens()
        # The search weighs words by how many published entries hold them.
        SearchToken.objects.refresh()

    def delete_model(self, request: HttpRequest, obj: Entry) -> None:
        super().delete_model(request, obj)
        SearchToken.objects.refresh()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        SearchToken.objects.refresh()

    @admin.action(description="Publish the selected entries")
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(status=EntryStatus.PUBLISHED)
        SearchToken.objects.refresh()
        self.message_user(request, f"{count} entries published.")

    @admin.action(description="Move the selected entries back to draft")
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(status=EntryStatus.DRAFT)
        SearchToken.objects.refresh()
        self.message_user(request, f"{count} entries moved to draft.")


@admin.register(Cause)
class CauseAdmin(admin.ModelAdmin):
    list_display = ["entry", "position", "meaning"]
    list_select_related = ["entry__vendor"]
    search_fields = ["meaning", "entry__title"]
    list_filter = ["entry__vendor"]
    autocomplete_fields = ["entry"]
    inlines = [StepInline]
