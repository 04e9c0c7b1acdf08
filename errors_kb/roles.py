"""The roles besides superusers, as Django groups keyed by name.

- Curators edit, publish, revert and import: every permission on the knowledge base's
  models and on their history (django-reversion's revisions and versions).
- Support agents read: the admin read-only, drafts and internal notes on the site.
- Anonymous visitors see published entries only.

The data migration 0008_roles and `manage.py create_account` both call `ensure_groups`,
so a database migrated long ago gains the permissions of models added since when the
next account is created.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

CURATORS = "Curators"
SUPPORT_AGENTS = "Support agents"
# The names `create_account --role` takes.
ROLE_GROUPS = {"curator": CURATORS, "agent": SUPPORT_AGENTS}
# Whose models the roles cover: the knowledge base and its history.
APPS = ("errors_kb", "reversion")
GROUP_ACTIONS = {CURATORS: ("add", "change", "delete", "view"), SUPPORT_AGENTS: ("view",)}


def ensure_groups(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create both groups, or complete their permissions; running it again changes nothing.
    Permissions a superuser added to a group by hand are kept."""
    # In a fresh database the migrations run before post_migrate creates any permission.
    for label in APPS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps, using=using)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, actions in GROUP_ACTIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        wanted = permission_model.objects.using(using).filter(
            content_type__app_label__in=APPS, codename__regex=rf"^({'|'.join(actions)})_"
        )
        group.permissions.add(*wanted)


def remove_groups(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    apps.get_model("auth", "Group").objects.using(using).filter(name__in=GROUP_ACTIONS).delete()


def can_preview_drafts(user) -> bool:
    """Staff who may read entries in the admin may read drafts on the site too; where the admin
    asks for a second factor, only after it (a password alone must not show drafts either)."""
    from django.conf import settings

    if settings.ADMIN_REQUIRE_2FA and not (hasattr(user, "is_verified") and user.is_verified()):
        return False
    return bool(user.is_staff and user.has_perm("errors_kb.view_entry"))
