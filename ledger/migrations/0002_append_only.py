"""The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of ledger entries and
checkpoints; PostgreSQL triggers are enabled ALWAYS (see ledger/db.py). Creates the log
head row."""

from django.db import migrations


def forwards(apps, schema_editor):
    from ledger.db import install_immutability_triggers

    install_immutability_triggers(schema_editor.connection)
    apps.get_model("ledger", "LogHead").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
