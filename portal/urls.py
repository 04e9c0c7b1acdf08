from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # ADMIN_PATH (default admin/); the site asks staff for a second factor (portal/admin_site.py).
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("errors_kb.urls")),
]

handler404 = "errors_kb.views.page_not_found"
# 400 (413 for a body over the limit) and 503 for a database outage, each in one log line
# (portal/errors.py); any other 500 is still errors_kb.views.server_error, with its traceback.
handler400 = "portal.errors.bad_request"
handler500 = "portal.errors.server_error"
