from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from . import registry

# The core's own ledger kinds, as the public timeline names them; other layers and the
# procedures register theirs.
ENTRY_LABELS = {
    "transition": gettext_noop("stage change"),
    "document.attached": gettext_noop("document attached"),
    "notice.published": gettext_noop("notice published"),
    "notice.changed": gettext_noop("notice changed"),
    "ruleset.adopted": gettext_noop("rule set adopted"),
    "account.changed": gettext_noop("account or role changed"),
}


def _reference_data(sender, using="default", **kwargs):
    """After migrate, and after a test's flush empties every table: the default rule sets
    and the seeded holiday calendar exist (migration 0003 creates them the first time)."""
    if "trading_ruleset" not in connections[using].introspection.table_names():
        return
    # Imported here, not at the top: an AppConfig module is imported before the models are
    # ready, and these modules use the models (the one exception: tests/test_architecture.py).
    from .rulesets import default_rule_sets_create
    from .workdays import calendar_years_seed

    default_rule_sets_create()
    calendar_years_seed()


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading")

    def ready(self):
        post_migrate.connect(_reference_data, sender=self)
        registry.add_entry_labels(ENTRY_LABELS)
        # Celery knows the app's tasks in every process (the web's too, which queues them by
        # name: trading/services/messages.py); imported here because they use the models.
        from . import tasks  # noqa: F401
