"""Full-text search on PostgreSQL: a generated tsvector over search_document, GIN-indexed.
Other databases (the embedded SQLite) search search_document with LIKE instead."""

from django.db import migrations

FORWARD = """
ALTER TABLE dappstore_entry ADD COLUMN search_tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_document, ''))) STORED;
CREATE INDEX dappstore_entry_search_tsv ON dappstore_entry USING GIN (search_tsv);
"""
BACKWARD = """
DROP INDEX IF EXISTS dappstore_entry_search_tsv;
ALTER TABLE dappstore_entry DROP COLUMN IF EXISTS search_tsv;
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("dappstore", "0001_initial")]
    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD))]
