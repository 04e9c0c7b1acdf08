"""Validation shared by the admin and the importer: http(s)-only resource URLs, the HTTP
status range as a field validator (the check constraint already holds it in the database).
Validators change no schema; the migration records them so `makemigrations --check` is clean."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("errors_kb", "0008_roles")]

    operations = [
        migrations.AlterField(
            model_name="entry",
            name="http_status",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(100),
                    django.core.validators.MaxValueValidator(599),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="resource",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=500,
                validators=[
                    django.core.validators.URLValidator(
                        code="web_url", message="Enter an http:// or https:// URL.", schemes=["http", "https"]
                    )
                ],
            ),
        ),
    ]
