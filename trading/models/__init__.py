"""Models of the trading domain: people and stations, transactions, documents.

Each procedure (trading/procedures/<name>/) adds its own stages to `Transaction` through
a proxy class and keeps its own data in its own models, registered in trading/registry.py.
"""

from .documents import Document, DocumentPurpose
from .messages import Message, MessageKind
from .milestones import Milestone
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
    "Milestone",
    "Membership",
    "Message",
    "MessageKind",
    "Role",
    "Stage",
    "Station",
    "Transaction",
    "TransactionType",
    "Unit",
    "User",
]
