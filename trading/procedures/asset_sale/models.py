"""The asset sale as Django loads it: its records (records.py), its stage machine, the
proxy of Transaction (machine.py), and its entry in the procedure registry; buyers who
registered see the transaction in their workspace."""

from django.db.models import Q

from trading import registry
from trading.models import TransactionType
from trading.registry import Procedure

from .machine import AssetSale
from .params import PARAMS, TITLE
from .records import AssetSaleStage, BuyerRegistration, SaleRound

__all__ = ["AssetSale", "AssetSaleStage", "BuyerRegistration", "SaleRound"]

registry.register(Procedure(
    type=TransactionType.ASSET_SALE, machine=AssetSale, amount_key="appraised_value", params=PARAMS,
    rules_title=TITLE, page_urls="trading.procedures.asset_sale.urls", api_urls="trading.procedures.asset_sale.api",
    panel="trading.procedures.asset_sale.views.panel",
    public_panel="trading.procedures.asset_sale.views.public_panel",
))


def _registered_buyer(user):
    return Q(sale_registrations__company__representations__user=user)


registry.add_visibility(_registered_buyer)
