"""The asset sale's steps. Each module holds one step's entry points (what pages and the
API call: they check the inputs, then perform the move with `transaction_transition`)
and the bodies of its moves (called by the machine, inside that move's database
transaction)."""

from .after_deal import asset_record_payment, asset_record_transfer
from .appraisal import asset_record_appraisal
from .auction import asset_start_auction, auction_of
from .buyers import (
    buyer_register,
    deposit_record,
    qualified_buyers,
    registration_decide,
    registrations,
)
from .disclosure import asset_change_disclosure, asset_publish_disclosure
from .offers import asset_open_offers, asset_open_sealed_offers

__all__ = [
    "asset_change_disclosure",
    "asset_open_offers",
    "asset_open_sealed_offers",
    "asset_publish_disclosure",
    "asset_record_appraisal",
    "asset_record_payment",
    "asset_record_transfer",
    "asset_start_auction",
    "auction_of",
    "buyer_register",
    "deposit_record",
    "qualified_buyers",
    "registration_decide",
    "registrations",
]
