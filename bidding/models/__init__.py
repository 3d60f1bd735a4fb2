"""Models of the bidding domain: suppliers and pools, draws, sealed quotes and their
opening, evaluation and award, challenges and contracts."""

from .companies import Company, Conflict, ExpertPoolEntry, SupplierPoolEntry
from .draws import Draw, DrawPurpose
from .evaluation import Assessment, Award, PanelMember, PanelRole
from .outcome import Challenge, Contract
from .sealed import (
    CustodianKey,
    CustodianShare,
    Invitation,
    InvitationMethod,
    Opening,
    OpeningKey,
    OpeningRecord,
    Quote,
)

__all__ = [
    "Assessment",
    "Award",
    "Challenge",
    "Company",
    "Conflict",
    "Contract",
    "CustodianKey",
    "CustodianShare",
    "Draw",
    "DrawPurpose",
    "ExpertPoolEntry",
    "Invitation",
    "InvitationMethod",
    "Opening",
    "OpeningKey",
    "OpeningRecord",
    "PanelMember",
    "PanelRole",
    "Quote",
    "SupplierPoolEntry",
]
