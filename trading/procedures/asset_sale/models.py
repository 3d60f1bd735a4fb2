"""The negotiated asset sale as Django loads it: its stage machine and its registry entry."""

from trading import registry
from trading.models import TransactionType
from trading.registry import Procedure

from .machine import AssetSale
from .params import PARAMS, TITLE

__all__ = ["AssetSale"]

registry.register(Procedure(type=TransactionType.ASSET_SALE, machine=AssetSale, amount_key="appraised_value",
                            params=PARAMS, rules_title=TITLE))
