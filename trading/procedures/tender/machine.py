"""The open tender's stage machine (公开招标; Bidding Law and its Regulations).

So far this procedure has the common start only (draft, submitted, registered, and the
supervisor's suspend/resume, termination and archiving): its own stages after
`registered` are added here (DOMAIN.md, "The three procedures").
"""

from trading.models import Transaction


class Tender(Transaction):
    STAGES: dict = {}
    FINAL_STAGES = frozenset()

    class Meta:
        proxy = True
        app_label = "trading"
