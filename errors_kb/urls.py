from django.urls import path

from errors_kb import views

urlpatterns = [
    path("", views.home, name="home"),
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/<slug:vendor_slug>/", views.vendor_detail, name="vendor_detail"),
    path("vendors/<slug:vendor_slug>/<slug:entry_slug>/", views.entry_detail, name="entry_detail"),
    path("api/search", views.api_search, name="api_search"),
    path("healthz", views.healthz, name="healthz"),
]
