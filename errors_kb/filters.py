from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from errors_kb.matching.normalize import normalize
from errors_kb.models import Entry, Topic, Vendor

BLOCKS_SYNC_CHOICES = [("true", "Blocks the sync"), ("false", "Other grades still post")]


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_words", label="Words in the message or title")
    vendor = django_filters.ModelChoiceFilter(
        field_name="vendor", to_field_name="slug", queryset=Vendor.objects.order_by("name"), empty_label="Any vendor"
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.order_by("name"),
        label="Problem",
        empty_label="Any problem",
    )
    http_status = django_filters.ChoiceFilter(
        label="HTTP status",
        empty_label="Any status",
        choices=lambda: [
            (status, str(status))
            for status in Entry.objects.published()
            .exclude(http_status=None)
            .order_by("http_status")
            .values_list("http_status", flat=True)
            .distinct()
        ],
    )
    blocks_sync = django_filters.ChoiceFilter(
        label="Effect on the sync", choices=BLOCKS_SYNC_CHOICES, empty_label="Any effect", method="filter_blocks_sync"
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("vendor__name", "vendor"),
            ("title", "title"),
            ("http_status", "http_status"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "vendor__name": "Vendor",
            "title": "Title",
            "http_status": "HTTP status",
            "updated_at": "Last updated",
        },
        empty_label="Vendor, then title",
    )

    class Meta:
        model = Entry
        fields: list[str] = []

    def filter_blocks_sync(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(blocks_sync=value == "true")

    def filter_words(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Entries holding every word, through the GIN index on search_tokens."""
        words = sorted(set(normalize(value, max_chars=500).words))[:20]
        return queryset.filter(search_tokens__contains=words) if words else queryset
