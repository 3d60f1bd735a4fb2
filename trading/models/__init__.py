"""Models of the trading domain: people and stations, transactions, documents.

Each procedure (trading/procedures/) adds its own stages to `Transaction` through a
proxy class and keeps its own data in its own models.
"""

from .documents import Document, DocumentPurpose
from .people import LoginFailure, Membership, Role, Station, Unit, User
from .transactions import CodeCounter, Stage, Transaction, TransactionType

__all__ = [
    "CodeCounter",
    "Document",
    "DocumentPurpose",
    "LoginFailure",
    "Membership",
    "Role",
    "Stage",
    "Station",
    "Transaction",
    "TransactionType",
    "Unit",
    "User",
]

# The procedures register their proxy classes and models when the app loads.
from .. import procedures  # noqa: E402, F401
