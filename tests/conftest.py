"""Test setup shared by every suite.

* The signing key, media and test SQLite files live in a temporary folder of the run
  (tests/_env.py, loaded before Django reads its settings).
* `DATABASE_URL` set -> the suite runs on PostgreSQL (`make test-pg`, `.ci/run`).
* Non-transactional tests run inside one transaction, where on-commit kicks never fire:
  call `sequenced()` to give recorded entries their place in the log.
"""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's database setup, plus the run's ledger signing key."""
    from django.conf import settings

    from ledger.signing import create_signing_key

    path = Path(settings.LEDGER_SIGNING_KEY_FILE)
    if not path.exists():
        create_signing_key(path, settings.LEDGER_ORIGIN)


def is_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def postgres_only(db):
    if not is_postgres():
        pytest.skip("PostgreSQL behaviour: runs in the PostgreSQL pass of .ci/run")


@pytest.fixture
def ledger_transactional_db(transactional_db):
    """A transactional test (real commits, several threads). At its end Django empties
    every table, which the ledger's immutability triggers refuse: drop them just for that
    flush; the flush's post_migrate puts them back."""
    yield
    from django.db import connection

    from ledger.db import drop_immutability_triggers_for_test_flush

    drop_immutability_triggers_for_test_flush(connection)


@pytest.fixture
def sequenced():
    """Sequence everything recorded and sign a checkpoint; returns the log size."""
    from ledger.selectors import ledger_size
    from ledger.sequencer import ledger_run_sequencer

    def run():
        ledger_run_sequencer()
        return ledger_size()

    return run


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("django"):
        return  # the pure-core suites also run without Django (-p no:django)
    from django.conf import settings

    # PBKDF2's many rounds are for real passwords; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(client, settings):
    """Messages in English, for tests that read them (pages get the language cookie)."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
