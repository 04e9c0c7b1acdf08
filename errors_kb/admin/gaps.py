"""What people searched for and did not find: the top gaps, each one click from a new entry."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from errors_kb.models import SearchGap


@admin.register(SearchGap)
class SearchGapAdmin(admin.ModelAdmin):
    list_display = ["masked_text", "vendor", "count", "first_seen", "last_seen", "create_entry"]
    list_filter = ["vendor"]
    list_select_related = ["vendor"]
    search_fields = ["masked_text"]
    # The model orders by count, then recency: the first page is the top gaps.
    readonly_fields = ["masked_text", "vendor", "count", "first_seen", "last_seen", "create_entry"]
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # gaps come from searches only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a curator reads a gap, makes an entry of it, then deletes it

    @admin.display(description="Create entry from this")
    def create_entry(self, gap: SearchGap) -> str:
        # Django's add view takes initial values from the query string. The masked text is
        # already a template: its placeholders become the entry's slots.
        params = {"message": gap.masked_text, **({"vendor": gap.vendor_id} if gap.vendor_id else {})}
        url = f"{reverse('admin:errors_kb_entry_add')}?{urlencode(params)}"
        return format_html('<a href="{}">Create entry from this</a>', url)
