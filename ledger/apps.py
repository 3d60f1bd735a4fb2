from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Public ledger")

    def ready(self):
        # Imported here: ledger.db uses the models, which are not ready when this module is
        # imported (the AppConfig exception of tests/test_architecture.py).
        from . import db

        # After every migrate (and every test flush) the log head exists and the
        # immutability triggers are in place and enabled ALWAYS.
        post_migrate.connect(db.ensure_log_ready, sender=self)
