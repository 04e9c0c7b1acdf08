"""Groups Curators and Support agents with their permissions (errors_kb/roles.py)."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from errors_kb.roles import ensure_groups

    ensure_groups(apps, using=schema_editor.connection.alias)


def remove_groups(apps, schema_editor):
    from errors_kb.roles import remove_groups

    remove_groups(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("errors_kb", "0007_curation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
