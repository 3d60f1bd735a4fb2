"""The open tender as Django loads it: its stage machine and its registry entry."""

from trading import registry
from trading.models import TransactionType
from trading.registry import Procedure

from .machine import Tender
from .params import PARAMS, TITLE

__all__ = ["Tender"]

registry.register(Procedure(type=TransactionType.TENDER, machine=Tender, amount_key="budget", params=PARAMS,
                            rules_title=TITLE))
