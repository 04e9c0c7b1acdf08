from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    """The project's own tables: the rate limits' counters (portal/models.py)."""

    default = True
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, its site asking staff for a second factor (portal/admin_site.py)."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
