"""Models of the bidding domain, procedure-neutral: suppliers and pools, draws, bid rounds
with their admissions, opening keys and custodians, sealed offers and their opening,
auctions, evaluation (panels, assessments, scores, awards), challenges, contracts and acceptances."""

from .auctions import Auction, AuctionBid, AuctionBidder, AuctionOutcome
from .bids import Bid, BidStatus, Opening, OpeningRecord
from .companies import Company, Conflict, ExpertPoolEntry, SupplierPoolEntry
from .draws import Draw, DrawPurpose
from .evaluation import Assessment, Award, PanelMember, PanelRole, Score
from .outcome import Acceptance, Challenge, ChallengeKind, Contract
from .rounds import (
    Admission,
    AdmissionMethod,
    AdmissionRule,
    BidPolicy,
    BidRound,
    CustodianKey,
    CustodianShare,
    OpeningKey,
)

__all__ = [
    "Acceptance",
    "Admission",
    "Auction",
    "AuctionBid",
    "AuctionBidder",
    "AuctionOutcome",
    "AdmissionMethod",
    "AdmissionRule",
    "Assessment",
    "Award",
    "Bid",
    "BidPolicy",
    "BidRound",
    "BidStatus",
    "Challenge",
    "ChallengeKind",
    "Company",
    "Conflict",
    "Contract",
    "CustodianKey",
    "CustodianShare",
    "Draw",
    "DrawPurpose",
    "ExpertPoolEntry",
    "Opening",
    "OpeningKey",
    "OpeningRecord",
    "PanelMember",
    "PanelRole",
    "Score",
    "SupplierPoolEntry",
]
