from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetSaleConfig(AppConfig):
    name = "trading.procedures.asset_sale"
    label = "asset_sale"
    verbose_name = _("negotiated asset sale")
