"""The database itself refuses to change or remove entries and checkpoints."""

import pytest
from django.db import DatabaseError, connection, transaction

from ledger.models import Checkpoint, Entry
from ledger.recording import actor, ledger_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(sequenced):
    with transaction.atomic():
        for i in range(3):
            ledger_record(kind="note", subject="JY-2026-0001", actor=actor("clerk", "王明"), data={"i": i})
    sequenced()
    assert Entry.objects.count() == 3 and Checkpoint.objects.exists()


def refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_checkpoint"])
def test_update_and_delete_are_refused(log, table):
    column = "kind" if table == "ledger_entry" else "note"
    refused(f"UPDATE {table} SET {column} = 'x'")
    refused(f"DELETE FROM {table}")
    assert Entry.objects.count() == 3


def test_orm_update_is_refused_too(log):
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Entry.objects.filter(seq=0).update(kind="forged")


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_checkpoint"])
def test_truncate_is_refused_on_postgres(log, postgres_only, table):
    refused(f"TRUNCATE {table} CASCADE")


def test_replica_role_does_not_bypass_the_triggers(log, postgres_only):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                cursor.execute("DELETE FROM ledger_entry")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'ledger_entry'::regclass "
            "AND NOT tgisinternal ORDER BY tgname"
        )
        assert {name: enabled for name, enabled in cursor.fetchall()} == {
            "ledger_entry_refuse_truncate": "A", "ledger_entry_refuse_update_delete": "A"}
