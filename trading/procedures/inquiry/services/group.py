"""The inquiry group (询价小组): its experts drawn verifiably from the station's pool, the
purchaser's representatives the clerk names; and the draw of suppliers to invite."""

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from bidding.models import DrawPurpose
from bidding.services.draws import draw_announce
from bidding.services.panels import panel_form
from trading import rulesets
from trading.models import Stage
from trading.services.transitions import transaction_transition

from ..records import InquiryStage
from .common import clerk_transaction, param, positive_int, rule_set, source


@db_transaction.atomic
def inquiry_announce_expert_draw(*, code, user, count):
    """The clerk announces the draw of the group's experts (performed at the next checkpoint)."""
    tx = clerk_transaction(code, user, stages=[Stage.REGISTERED])
    return draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS,
                         count=positive_int(count, _("number of experts")), user=user)


@db_transaction.atomic
def inquiry_announce_supplier_draw(*, code, user, count):
    """The clerk announces a draw of suppliers to invite (before issuing the notice)."""
    tx = clerk_transaction(code, user, stages=[InquiryStage.GROUP_FORMED])
    return draw_announce(transaction=tx, purpose=DrawPurpose.SUPPLIERS,
                         count=positive_int(count, _("number of suppliers")), user=user)


def inquiry_form_group(*, code, user, purchaser_reps=(), expected_stage=None):
    return transaction_transition(code=code, action="form_group", user=user, expected_stage=expected_stage,
                                  purchaser_reps=list(purchaser_reps))


def form_group(tx, *, purchaser_reps=()) -> dict:
    """The move's body: seat the drawn experts and the representatives. Names stay secret
    until the result is published; the ledger gets the composition."""
    composition = panel_form(transaction=tx, purchaser_reps=purchaser_reps,
                             min_size=param(tx, "group_min_size"),
                             expert_share=rulesets.fraction(rule_set(tx), "expert_share"),
                             source=source(tx, "group_min_size"), rule_prefix="inquiry")
    return {"round": tx.round, **composition}
