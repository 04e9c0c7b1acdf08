from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from reversion.admin import VersionAdmin

from errors_kb.admin.history import remember_old_slug
from errors_kb.models import Topic, Vendor


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = ["name", "slug"]  # the admin adds the rest

    def clean_slug(self) -> str:
        # Another vendor's old slug still redirects to it; taking it would capture those links.
        slug = self.cleaned_data["slug"]
        former = Vendor.objects.filter(former_slugs__contains=[slug]).exclude(pk=self.instance.pk).first()
        if former is not None:
            raise forms.ValidationError(f"“{slug}” was the address of {former.name} before; pick another slug.")
        return slug


@admin.register(Vendor)
class VendorAdmin(VersionAdmin):
    form = VendorForm
    list_display = ["name", "slug", "kind", "entry_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(entry_total=Count("entries"))

    def save_model(self, request: HttpRequest, obj: Vendor, form, change: bool) -> None:
        if change and "slug" in form.changed_data:
            obj.former_slugs = remember_old_slug(obj.former_slugs, form.initial.get("slug", ""), obj.slug)
        super().save_model(request, obj, form, change)

    @admin.display(description="Entries", ordering="entry_total")
    def entry_count(self, vendor: Vendor) -> int:
        return vendor.entry_total


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
