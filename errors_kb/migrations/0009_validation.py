"""Validation shared by the admin and the importer."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("errors_kb", "0008_roles")]

    operations = []
