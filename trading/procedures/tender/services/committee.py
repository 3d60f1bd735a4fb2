"""The evaluation committee (评标委员会): at least 5 members, odd, at least two thirds
experts, the experts drawn verifiably from the station's pool once the bids are closed.
The draw skips the experts tied to the purchaser (its own people, a declared conflict, its
employees) and to a bidder of the round (a declared conflict with it, or employed by it),
the reason recorded in the draw's committed inputs. The names stay secret until the result
(the draw is revealed then)."""

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from bidding.models import DrawPurpose
from bidding.services.draws import draw_announce
from bidding.services.panels import panel_form
from trading.models import Role
from trading.services.transitions import transaction_transition

from ..records import TenderStage
from .bids import bidders
from .common import fraction, param, positive_int, source, staff_transaction


@db_transaction.atomic
def tender_announce_expert_draw(*, code, user, count):
    """The clerk announces the draw of the committee's experts (performed at the next
    checkpoint), once the bids are closed and the bidders known."""
    tx = staff_transaction(code, user, role=Role.CLERK, stages=[TenderStage.BIDS_CLOSED])
    return draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS,
                         count=positive_int(count, _("number of experts")), user=user, parties=bidders(tx),
                         source=source(tx, "committee_min_size"))


def tender_form_committee(*, code, user, purchaser_reps=(), expected_stage=None):
    return transaction_transition(code=code, action="form_committee", user=user, expected_stage=expected_stage,
                                  purchaser_reps=list(purchaser_reps))


def form_committee(tx, *, purchaser_reps=()) -> dict:
    """The move's body: seat the drawn experts and the tenderer's representatives. The
    ledger gets the composition, not the names."""
    composition = panel_form(transaction=tx, purchaser_reps=purchaser_reps, min_size=param(tx, "committee_min_size"),
                             expert_share=fraction(tx, "committee_expert_share"),
                             source=source(tx, "committee_min_size"), rule_prefix="tender")
    return {"round": tx.round, **composition}
