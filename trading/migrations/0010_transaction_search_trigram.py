"""Trigram indexes for the search of transactions (trading/search.py), PostgreSQL only.

The search matches substrings with `icontains`, which Django writes on PostgreSQL as
UPPER("column"::text) LIKE UPPER(%s). A GIN index with pg_trgm's gin_trgm_ops on that
same expression answers it, for Chinese as for codes (pg_trgm takes trigrams of any
letters, where the text-search parsers do not segment Chinese into words). pg_trgm ships
with PostgreSQL (contrib) and is a trusted extension: the database's owner may create it.

On SQLite the migration does nothing: the search scans the table there. The indexes are
not in the model's Meta because SQLite could not build them.
"""

from django.db import migrations

INDEXES = {
    "trading_tx_code_trgm": 'UPPER(("code")::text)',
    "trading_tx_title_trgm": 'UPPER(("title")::text)',
    "trading_tx_description_trgm": 'UPPER(("description")::text)',
}


def trigram_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "trading_transaction" USING gin ({expression} gin_trgm_ops)'
        )


def trigram_indexes_drop(apps, schema_editor):
    # The extension stays: something else may use it.
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("trading", "0009_calendaryear_provisional"),
    ]

    operations = [
        migrations.RunPython(trigram_indexes_create, trigram_indexes_drop, elidable=False),
    ]
