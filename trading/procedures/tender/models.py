"""The open tender's models as Django loads them: its records (records.py) and its stage
machine, the proxy of Transaction (machine.py); and its entry in the procedure registry."""

from django.utils.translation import gettext_lazy, gettext_noop

from bidding.services.openings import add_reasons
from trading import registry
from trading.models import TransactionType
from trading.registry import Procedure

from .machine import Tender
from .params import PARAMS, TITLE
from .records import BidSecurity, EvaluationMethod, TechnicalDocument, TenderRound, TenderStage
from .services.opening import NO_TECHNICAL, NOT_PASSED

__all__ = ["BidSecurity", "EvaluationMethod", "TechnicalDocument", "Tender", "TenderRound", "TenderStage"]

registry.register(Procedure(
    type=TransactionType.TENDER, machine=Tender, amount_key="budget", params=PARAMS, rules_title=TITLE,
    page_urls="trading.procedures.tender.urls", api_urls="trading.procedures.tender.api",
    panel="trading.procedures.tender.views.panel", public_panel="trading.procedures.tender.views.public_panel",
    entry_labels={
        "security.recorded": gettext_noop("bid security recorded"),
        "security.refunded": gettext_noop("bid security refunded"),
        "tender.report_filed": gettext_noop("written report filed with the supervisors"),
    },
))

# Why a price envelope stays sealed, as the opening record shows it in the reader's language.
add_reasons({NOT_PASSED: gettext_lazy("did not pass the technical evaluation"),
             NO_TECHNICAL: gettext_lazy("no technical envelope was opened for this bid")})
