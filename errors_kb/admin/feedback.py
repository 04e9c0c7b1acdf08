"""The "Did this fix it?" answers: per entry counts (sortable) and the recent comments."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from errors_kb.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["entry", "helpful", "comment", "created_at", "entry_helpful", "entry_not_helpful"]
    list_filter = ["helpful", "entry__vendor"]
    list_select_related = ["entry__vendor"]
    search_fields = ["comment", "entry__title"]
    date_hierarchy = "created_at"
    readonly_fields = ["entry", "helpful", "comment", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # answers come from readers only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Entry: helped", ordering="entry__helpful_count")
    def entry_helpful(self, feedback: Feedback) -> int:
        return feedback.entry.helpful_count

    @admin.display(description="Entry: did not help", ordering="entry__not_helpful_count")
    def entry_not_helpful(self, feedback: Feedback) -> int:
        return feedback.entry.not_helpful_count
