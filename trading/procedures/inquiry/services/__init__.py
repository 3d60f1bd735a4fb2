"""The inquiry's steps. Each module holds one step's entry points (what pages and the API
call: they check the inputs, then perform the move with `transaction_transition`) and the
bodies of its moves (called by the machine, inside that move's database transaction)."""

from .after_result import (
    challenge_answer,
    challenge_file,
    inquiry_record_acceptance,
    inquiry_record_contract,
)
from .evaluation import assessment_record, ranking, report_sign, verdicts
from .group import inquiry_announce_expert_draw, inquiry_announce_supplier_draw, inquiry_form_group
from .notice import QUOTE_CLOSE_GRACE_SECONDS, inquiry_issue_notice
from .quotes import inquiry_open_quotes

__all__ = [
    "QUOTE_CLOSE_GRACE_SECONDS",
    "assessment_record",
    "challenge_answer",
    "challenge_file",
    "inquiry_announce_expert_draw",
    "inquiry_announce_supplier_draw",
    "inquiry_form_group",
    "inquiry_issue_notice",
    "inquiry_open_quotes",
    "inquiry_record_acceptance",
    "inquiry_record_contract",
    "ranking",
    "report_sign",
    "verdicts",
]
