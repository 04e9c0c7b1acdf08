"""Incremental search-word counts."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("errors_kb", "0009_validation")]

    operations = []
