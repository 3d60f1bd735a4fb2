"""The inquiry's models as Django loads them: its records (records.py) and its stage
machine, the proxy of Transaction (machine.py); and its entry in the procedure registry."""

from trading import registry
from trading.models import TransactionType
from trading.registry import Procedure

from .machine import Inquiry
from .params import PARAMS, TITLE
from .records import InquiryRound, InquiryStage, InvitationMethod

__all__ = ["Inquiry", "InquiryRound", "InquiryStage", "InvitationMethod"]

registry.register(Procedure(
    type=TransactionType.INQUIRY, machine=Inquiry, amount_key="budget", params=PARAMS, rules_title=TITLE,
    page_urls="trading.procedures.inquiry.urls", api_urls="trading.procedures.inquiry.api",
    panel="trading.procedures.inquiry.views.panel", public_panel="trading.procedures.inquiry.views.public_panel",
))
