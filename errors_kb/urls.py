from django.urls import path

from errors_kb import api, views, votes

urlpatterns = [
    path("", views.home, name="home"),
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/<slug:vendor_slug>/", views.vendor_detail, name="vendor_detail"),
    path("vendors/<slug:vendor_slug>/<slug:entry_slug>/", views.entry_detail, name="entry_detail"),
    path("entries/", views.entry_list, name="entry_list"),
    path("entries/<int:entry_id>/vote/", votes.vote, name="entry_vote"),
    path("api/search", api.search_view, name="api_search"),
    path("api/vendors", api.vendors, name="api_vendors"),
    path("api/entries", api.entries, name="api_entries"),
    path("api/entries/<int:entry_id>", api.entry, name="api_entry"),
    path("healthz", views.healthz, name="healthz"),
]
