"""A number that changes with everything a search or an entry page reads.

Workers keep what they read of the dictionary in memory (errors_kb/dictionary_cache.py)
under the generation they read it at. Triggers, not model signals, move it: bulk loads,
imports, queryset updates, reverts and raw SQL change it too. Each writing statement sets it
to the next value of a sequence of its own, inside the writing transaction, so

- a reader sees the new number exactly when it can see the new rows (read committed);
- a rolled-back change takes its number with it, and that number is never handed out again
  (sequences do not roll back), so no cache keyed by it can be mistaken for another state;
- a TRUNCATE (Django's flush between tests) re-creates the row through the same upsert.

"Did this fix it?" votes change only the entry's two counters, which no cached page shows:
an update touching nothing else leaves the number alone, so votes do not empty the caches.
"""

from django.db import migrations, models

TABLES = (
    "errors_kb_vendor",
    "errors_kb_topic",
    "errors_kb_entry_topics",
    "errors_kb_cause",
    "errors_kb_step",
    "errors_kb_resource",
    "errors_kb_searchtoken",
)
VOTE_COUNTERS = ("helpful_count", "not_helpful_count")

FORWARD = (
    r"""
CREATE SEQUENCE errors_kb_dictionary_generation_seq;
INSERT INTO errors_kb_dictionarygeneration (id, value) VALUES (1, nextval('errors_kb_dictionary_generation_seq'));

CREATE FUNCTION errors_kb_dictionary_changed_now() RETURNS void LANGUAGE sql VOLATILE AS $$
    INSERT INTO errors_kb_dictionarygeneration (id, value)
    VALUES (1, nextval('errors_kb_dictionary_generation_seq'))
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value
$$;

CREATE FUNCTION errors_kb_dictionary_changed() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM errors_kb_dictionary_changed_now();
    RETURN NULL;
END
$$;

-- An entry update that changed nothing but the vote counters is not a dictionary change.
CREATE FUNCTION errors_kb_entry_changed() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
         WHERE o.id IS NULL OR n.id IS NULL
            OR (to_jsonb(n) - '{counters}'::text[]) IS DISTINCT FROM (to_jsonb(o) - '{counters}'::text[])
    ) THEN
        PERFORM errors_kb_dictionary_changed_now();
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER errors_kb_entry_generation_write
    AFTER INSERT OR DELETE OR TRUNCATE ON errors_kb_entry
    FOR EACH STATEMENT EXECUTE FUNCTION errors_kb_dictionary_changed();
CREATE TRIGGER errors_kb_entry_generation_update
    AFTER UPDATE ON errors_kb_entry REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION errors_kb_entry_changed();
""".replace("{counters}", "{" + ",".join(VOTE_COUNTERS) + "}")
    + "\n".join(
        f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION errors_kb_dictionary_changed();"
        for table in TABLES
    )
)

BACKWARD = (
    "\n".join(f"DROP TRIGGER {table}_generation ON {table};" for table in TABLES)
    + r"""
DROP TRIGGER errors_kb_entry_generation_update ON errors_kb_entry;
DROP TRIGGER errors_kb_entry_generation_write ON errors_kb_entry;
DROP FUNCTION errors_kb_entry_changed();
DROP FUNCTION errors_kb_dictionary_changed_now();
DROP FUNCTION errors_kb_dictionary_changed();
DROP SEQUENCE errors_kb_dictionary_generation_seq;
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("errors_kb", "0010_search_index_trigger"),
    ]

    operations = [
        migrations.CreateModel(
            name="DictionaryGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField()),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="dictionarygeneration_single_row")],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
