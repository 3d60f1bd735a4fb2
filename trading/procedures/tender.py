"""The open tender (公开招标; Bidding Law and its Regulations).

So far this procedure has the common start only (draft, submitted, registered, and the
supervisor's suspend/resume, termination and archiving): its own stages after
`registered` are added here (DOMAIN.md, "The three procedures").
"""

from ..models.transactions import Transaction, TransactionType
from . import register


@register(TransactionType.TENDER)
class Tender(Transaction):
    STAGES: dict = {}
    FINAL_STAGES = frozenset()

    class Meta:
        proxy = True
        app_label = "trading"
