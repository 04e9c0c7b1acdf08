from django.urls import path

from errors_kb import api, lti11_api, lti11_views, triage_views, views, votes

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
    path("tools/lti11-outcome-check/", lti11_views.outcome_check, name="lti11_outcome_check"),
    path("api/lti11/outcome-check", lti11_api.outcome_check, name="api_lti11_outcome_check"),
    path("triage/", triage_views.triage_page, name="triage"),
    path("api/triage", triage_views.triage_api, name="api_triage"),
    path("healthz", views.healthz, name="healthz"),
]
