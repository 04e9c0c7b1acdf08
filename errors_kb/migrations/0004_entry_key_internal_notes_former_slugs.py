import django.contrib.postgres.fields
from django.db import migrations, models


def forward(apps, schema_editor):
    Vendor = apps.get_model("errors_kb", "Vendor")
    Entry = apps.get_model("errors_kb", "Entry")
    # canvas-api-http-errors.txt documents Canvas Medical's FHIR API, not Instructure's
    # Canvas LMS: an existing database gets the vendor's true name, and old URLs redirect.
    for vendor in Vendor.objects.filter(slug="canvas-api"):
        vendor.slug = "canvas-medical"
        vendor.name = "Canvas Medical (FHIR API)"
        vendor.kind = "other"
        vendor.aliases = ["Canvas Medical"]
        vendor.former_slugs = ["canvas-api"]
        vendor.save()
    for entry in Entry.objects.select_related("vendor"):
        entry.key = f"{entry.vendor.slug}.{entry.slug}"
        # Notes were editorial: staff keep them, the public pages stop showing them.
        entry.internal_notes, entry.notes = entry.notes, ""
        entry.save(update_fields=["key", "internal_notes", "notes"])


class Migration(migrations.Migration):
    dependencies = [("errors_kb", "0003_gin_without_pending_list")]

    operations = [
        migrations.AddField(
            model_name="vendor",
            name="former_slugs",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.SlugField(max_length=100),
                blank=True,
                default=list,
                help_text="Slugs this vendor had before; their URLs redirect here.",
                size=None,
            ),
        ),
        migrations.AlterField(
            model_name="vendor",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sis", "Student information system"),
                    ("lms", "LMS API"),
                    ("integration", "Integration API"),
                    ("other", "Other API (not a school grade sync)"),
                ],
                default="sis",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="entry",
            name="source",
            field=models.CharField(
                choices=[
                    ("canvas-sis-error-code-dictionary.txt", "Canvas SIS Error Code Dictionary"),
                    ("infinite-campus-grade-passback-errors.txt", "Infinite Campus grade passback errors"),
                    ("clever-lms-connect-grade-passback-errors.md", "Clever LMS Connect grade passback API errors"),
                    ("canvas-api-http-errors.txt", "Canvas Medical FHIR API errors"),
                    ("canvas-lti11-grade-passback-422-thread.txt", "Community thread: LTI 1.1 grade passback 422"),
                    ("curator", "Written by a curator"),
                ],
                default="curator",
                max_length=60,
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="key",
            field=models.CharField(
                default="", max_length=200, help_text="Stable identifier of the entry in the import files."
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="entry",
            name="internal_notes",
            field=models.TextField(
                blank=True,
                help_text="Editorial notes for staff (source oddities, decisions); never shown to the public.",
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="former_slugs",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.SlugField(max_length=200),
                blank=True,
                default=list,
                help_text="Slugs this entry had before; their URLs redirect here.",
                size=None,
            ),
        ),
        migrations.AlterField(
            model_name="entry",
            name="notes",
            field=models.TextField(blank=True, help_text="A note for readers, shown on the public entry page."),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.UniqueConstraint(fields=("key",), name="entry_unique_key"),
        ),
    ]
