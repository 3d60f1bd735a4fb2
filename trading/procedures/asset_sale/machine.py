"""The negotiated asset sale's stage machine (公开协商出售 of state-owned assets).

So far this procedure has the common start only (draft, submitted, registered, and the
supervisor's suspend/resume, termination and archiving): its own stages after
`registered` are added here (DOMAIN.md, "The three procedures").
"""

from trading.models import Transaction


class AssetSale(Transaction):
    STAGES: dict = {}
    FINAL_STAGES = frozenset()

    class Meta:
        proxy = True
        app_label = "trading"
