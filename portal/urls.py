from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("errors_kb.urls")),
]

handler404 = "errors_kb.views.page_not_found"
handler500 = "errors_kb.views.server_error"
