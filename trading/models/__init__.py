"""Models of the trading domain: people and stations, transactions, documents.

Each procedure (trading/procedures/) adds its own stages to `Transaction` through a
proxy class and keeps its own data in its own models.
"""

from .documents import Document, DocumentPurpose
from .notices import Notice, NoticeKind
from .people import LoginAddress, LoginFailure, Membership, Role, Station, Unit, User
from .rules import CalendarDay, CalendarYear, DayKind, RuleSet, RuleSetAdoption
from .transactions import CodeCounter, Stage, Transaction, TransactionType

__all__ = [
    "CalendarDay",
    "CalendarYear",
    "CodeCounter",
    "DayKind",
    "Notice",
    "NoticeKind",
    "RuleSet",
    "RuleSetAdoption",
    "Document",
    "DocumentPurpose",
    "LoginAddress",
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
