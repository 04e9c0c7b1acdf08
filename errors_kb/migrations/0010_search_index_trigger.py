"""Incremental search-word counts.

Three statement-level triggers on the entry table keep `errors_kb_searchtoken` right in the
transaction that changes entries: each adds the words of the published rows the statement
wrote (transition table `new_rows`) and takes away those of the published rows it replaced
or deleted (`old_rows`), one aggregated change a statement, and deletes the words that no
published entry holds any more. Every writer of the counts (these triggers, and
errors_kb/search_index.py's full recount) first takes one transaction-level advisory lock,
so concurrent saves apply their changes one transaction after the other and cannot
deadlock on the count rows, whatever order their statements come in.

A transaction that sets `errors_kb.bulk_load` to 'on' (search_index.bulk_load()) skips the
triggers and recounts everything at its end.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION errors_kb_searchtoken_lock() RETURNS void LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(726104580117)
$$;

-- Words added and taken away (one element an entry holding it) become count changes.
CREATE FUNCTION errors_kb_searchtoken_apply(
    added_search text[], added_content text[], removed_search text[], removed_content text[]
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tokens text[];
    entry_deltas int[];
    content_deltas int[];
BEGIN
    SELECT array_agg(token ORDER BY token), array_agg(e ORDER BY token), array_agg(c ORDER BY token)
      INTO tokens, entry_deltas, content_deltas
      FROM (
          SELECT token, sum(e)::int AS e, sum(c)::int AS c FROM (
              SELECT unnest(added_search) AS token, 1 AS e, 0 AS c
              UNION ALL SELECT unnest(added_content), 0, 1
              UNION ALL SELECT unnest(removed_search), -1, 0
              UNION ALL SELECT unnest(removed_content), 0, -1
          ) words GROUP BY token HAVING sum(e) <> 0 OR sum(c) <> 0
      ) delta;
    IF tokens IS NULL THEN
        RETURN;  -- nothing the counts count changed: no lock taken
    END IF;
    PERFORM errors_kb_searchtoken_lock();
    -- greatest(0, ...): a count that drifted (never, with the lock) must not fail a save.
    UPDATE errors_kb_searchtoken AS s
       SET entry_count = greatest(0, s.entry_count + d.e),
           content_count = greatest(0, s.content_count + d.c)
      FROM unnest(tokens, entry_deltas, content_deltas) AS d(token, e, c)
     WHERE s.token = d.token;
    INSERT INTO errors_kb_searchtoken (token, entry_count, content_count)
    SELECT d.token, greatest(0, d.e), greatest(0, d.c)
      FROM unnest(tokens, entry_deltas, content_deltas) AS d(token, e, c)
     WHERE (d.e > 0 OR d.c > 0)
       AND NOT EXISTS (SELECT 1 FROM errors_kb_searchtoken s WHERE s.token = d.token)
     ORDER BY d.token;
    DELETE FROM errors_kb_searchtoken
     WHERE token = ANY (tokens) AND entry_count = 0 AND content_count = 0;
END
$$;

-- An entry's words, each with where it stands (true: title, message, variants, phrases).
CREATE FUNCTION errors_kb_entry_words(search_tokens varchar[], content_tokens varchar[])
RETURNS TABLE (token text, in_search boolean) LANGUAGE sql IMMUTABLE AS $$
    SELECT unnest(search_tokens)::text, true UNION ALL SELECT unnest(content_tokens)::text, false
$$;

-- One function for the three triggers: INSERT has only new_rows, DELETE only old_rows.
CREATE FUNCTION errors_kb_entry_count_words() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    added_search text[];
    added_content text[];
    removed_search text[];
    removed_content text[];
BEGIN
    IF current_setting('errors_kb.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT array_agg(w.token) FILTER (WHERE w.in_search), array_agg(w.token) FILTER (WHERE NOT w.in_search)
          INTO added_search, added_content
          FROM new_rows AS r, errors_kb_entry_words(r.search_tokens, r.content_tokens) AS w WHERE r.status = 'published';
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT array_agg(w.token) FILTER (WHERE w.in_search), array_agg(w.token) FILTER (WHERE NOT w.in_search)
          INTO removed_search, removed_content
          FROM old_rows AS r, errors_kb_entry_words(r.search_tokens, r.content_tokens) AS w WHERE r.status = 'published';
    END IF;
    PERFORM errors_kb_searchtoken_apply(added_search, added_content, removed_search, removed_content);
    RETURN NULL;
END
$$;

CREATE TRIGGER errors_kb_entry_words_insert AFTER INSERT ON errors_kb_entry
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION errors_kb_entry_count_words();
CREATE TRIGGER errors_kb_entry_words_update AFTER UPDATE ON errors_kb_entry
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION errors_kb_entry_count_words();
CREATE TRIGGER errors_kb_entry_words_delete AFTER DELETE ON errors_kb_entry
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION errors_kb_entry_count_words();

-- The full recount, for bulk loads (search_index.rebuild()), under the same lock.
CREATE FUNCTION errors_kb_searchtoken_rebuild() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM errors_kb_searchtoken_lock();
    DELETE FROM errors_kb_searchtoken;
    INSERT INTO errors_kb_searchtoken (token, entry_count, content_count)
    SELECT token, count(*) FILTER (WHERE in_template), count(*) FILTER (WHERE NOT in_template) FROM (
        SELECT unnest(search_tokens) AS token, true AS in_template FROM errors_kb_entry WHERE status = 'published'
        UNION ALL
        SELECT unnest(content_tokens), false FROM errors_kb_entry WHERE status = 'published'
    ) words GROUP BY token;
END
$$;

-- Start from an exact count, whatever the last full refresh left.
SELECT errors_kb_searchtoken_rebuild();
"""

BACKWARD = r"""
DROP TRIGGER errors_kb_entry_words_delete ON errors_kb_entry;
DROP TRIGGER errors_kb_entry_words_update ON errors_kb_entry;
DROP TRIGGER errors_kb_entry_words_insert ON errors_kb_entry;
DROP FUNCTION errors_kb_searchtoken_rebuild();
DROP FUNCTION errors_kb_entry_count_words();
DROP FUNCTION errors_kb_entry_words(varchar[], varchar[]);
DROP FUNCTION errors_kb_searchtoken_apply(text[], text[], text[], text[]);
DROP FUNCTION errors_kb_searchtoken_lock();
"""


class Migration(migrations.Migration):
    dependencies = [("errors_kb", "0009_validation")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=BACKWARD)]
