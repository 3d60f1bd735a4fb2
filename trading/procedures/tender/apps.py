from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenderConfig(AppConfig):
    name = "trading.procedures.tender"
    label = "tender"
    verbose_name = _("open tender")
