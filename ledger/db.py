"""Database-level guarantees of the log: the database itself refuses to change or remove
entries and checkpoints.

PostgreSQL: row triggers on UPDATE and DELETE and a statement trigger on TRUNCATE raise an
error. They are enabled ALWAYS, so `SET session_replication_role = replica` (which skips
ordinary triggers) does not bypass them. SQLite (embedded mode): BEFORE UPDATE/DELETE
triggers that abort; SQLite has no TRUNCATE.

Installed by migration 0002 and checked again after every migrate (`ensure_log_ready`),
so a restored or re-migrated database always has them.
"""

from django.db import connections

from .models import LogHead

PROTECTED_TABLES = ("ledger_entry", "ledger_checkpoint")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the public ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _pg_statements(table):
    return [
        f"DROP TRIGGER IF EXISTS {table}_refuse_update_delete ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}",
        f"CREATE TRIGGER {table}_refuse_update_delete BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
        f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_update_delete",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_truncate",
    ]


def _sqlite_statements(table):
    statements = []
    for op in ("UPDATE", "DELETE"):
        name = f"{table}_refuse_{op.lower()}"
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the public ledger is append-only: {op} on {table} "
            f"is refused'); END"
        )
    return statements


def install_immutability_triggers(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in PROTECTED_TABLES:
                for statement in _pg_statements(table):
                    cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for table in PROTECTED_TABLES:
                for statement in _sqlite_statements(table):
                    cursor.execute(statement)


def drop_immutability_triggers_for_test_flush(connection):
    """Only for the test suite: a transactional test ends by emptying every table, which
    the triggers rightly refuse. The flush's post_migrate signal puts them back."""
    with connection.cursor() as cursor:
        for table in PROTECTED_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_update_delete ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_delete")


def ensure_log_ready(using="default", **kwargs):
    """post_migrate: the log head row exists and the triggers are installed."""
    connection = connections[using]
    tables = connection.introspection.table_names()
    if "ledger_loghead" not in tables:
        return
    LogHead.objects.using(using).get_or_create(pk=1)
    install_immutability_triggers(connection)
