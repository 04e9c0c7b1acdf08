"""Groups Curators and Support agents (filled in by the roles work)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("errors_kb", "0007_curation")]

    operations = []
