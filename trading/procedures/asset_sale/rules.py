"""The asset sale's rules that depend on the state of a transaction, as django-fsm
conditions of its moves (machine.py). Each names itself, its source and what is missing.
A rule marked `stage_rule` guards a branch of a fork (the close by the number of
qualified buyers, the outcome of an opening or an auction): failing it means "not this
way from here"."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bidding.selectors_sealed import opening_of
from bidding.services.auctions import closing_due as auction_closing_due
from bidding.services.rounds import closing_due
from trading import clock
from trading.rules import Rule

from .records import CompetitionMethod
from .services.auction import auction_of
from .services.buyers import BUYERS_SOURCE, pending_count, qualified_buyers
from .services.common import bid_round_of, local, round_of, source
from .services.confirmation import deal_checkpoint
from .services.offers import best_offer_reaches, in_negotiation

AUCTION_SOURCE = gettext_lazy("online auction rules, DOMAIN.md §3")


def _src(name):
    return lambda tx: source(tx, name)


def _qualified(tx) -> int:
    return len(qualified_buyers(tx))


appraisal_recorded = Rule(
    code="asset_sale.appraisal_first",
    text=gettext_lazy("the appraisal (appraiser, value, date, approval document) is recorded before the listing"),
    source=_src("listing_min_share"),
    check=lambda tx: round_of(tx).appraised_on is not None,
)

disclosure_running = Rule(
    code="asset_sale.disclosure_period",
    text=gettext_lazy("the disclosure notice can be changed while the disclosure runs (the change restarts it)"),
    source=_src("disclosure_working_days"),
    check=lambda tx: round_of(tx).disclosure_until is not None and clock.now() < round_of(tx).disclosure_until,
    detail=lambda tx: _("the disclosure ended %(until)s") % {"until": local(round_of(tx).disclosure_until)},
)

disclosure_over = Rule(
    code="asset_sale.disclosure_period",
    text=gettext_lazy("the registrations close when the disclosure period is over"),
    source=_src("disclosure_working_days"),
    check=lambda tx: round_of(tx).disclosure_until is not None and clock.now() >= round_of(tx).disclosure_until,
    detail=lambda tx: _("disclosure until %(until)s") % {"until": local(round_of(tx).disclosure_until)},
)

registrations_decided = Rule(
    code="asset_sale.registrations_decided",
    text=gettext_lazy("the clerk decides every registration (qualified or refused with a reason) before the close"),
    source=BUYERS_SOURCE,
    check=lambda tx: pending_count(tx) == 0,
    detail=lambda tx: _("registrations awaiting a decision: %(n)d") % {"n": pending_count(tx)},
)

no_qualified_buyer = Rule(
    code="asset_sale.no_buyer", text=gettext_lazy("no qualified buyer: the asset is unsold"),
    source=_src("relist_approval_below_share"), check=lambda tx: _qualified(tx) == 0, stage_rule=True)

one_qualified_buyer = Rule(
    code="asset_sale.one_buyer", text=gettext_lazy("one qualified buyer: negotiated transfer"),
    source=BUYERS_SOURCE, check=lambda tx: _qualified(tx) == 1, stage_rule=True)

several_qualified_buyers = Rule(
    code="asset_sale.several_buyers", text=gettext_lazy("two or more qualified buyers: competition"),
    source=BUYERS_SOURCE, check=lambda tx: _qualified(tx) >= 2, stage_rule=True)

sealed_offers_apply = Rule(
    code="asset_sale.sealed_method",
    text=gettext_lazy("sealed offers are made with the one buyer, or among several when the notice chose sealed best "
                      "offers"),
    source=BUYERS_SOURCE,
    check=lambda tx: in_negotiation(tx) or round_of(tx).method == CompetitionMethod.SEALED,
    stage_rule=True,
)

auction_applies = Rule(
    code="asset_sale.auction_method",
    text=gettext_lazy("an online auction is held among several buyers when the notice chose it"),
    source=AUCTION_SOURCE,
    check=lambda tx: round_of(tx).method == CompetitionMethod.AUCTION and not in_negotiation(tx),
    stage_rule=True,
)

offers_closing_due = Rule(
    code="asset_sale.offer_deadline",
    text=gettext_lazy("sealed offers close when their deadline has passed"),
    source=BUYERS_SOURCE,
    check=lambda tx: bid_round_of(tx) is not None and closing_due(bid_round_of(tx)),
    detail=lambda tx: _("deadline %(deadline)s") % {"deadline": local(bid_round_of(tx).deadline)},
)

offers_closed_not_opened = Rule(
    code="asset_sale.open_after_deadline",
    text=gettext_lazy("sealed offers are opened after their deadline, once they are closed"),
    source=BUYERS_SOURCE,
    check=lambda tx: bid_round_of(tx) is not None and bid_round_of(tx).closed_at is not None
    and opening_of(bid_round_of(tx)) is None,
)

offer_reaches = Rule(
    code="asset_sale.offer_reaches",
    text=gettext_lazy("the highest opened offer at or above the listing price (one buyer) or the reserve (several) "
                      "is the deal"),
    source=_src("listing_min_share"),
    check=best_offer_reaches, stage_rule=True)

no_offer_reaches = Rule(
    code="asset_sale.no_offer_reaches",
    text=gettext_lazy("no opened offer reaches the listing price (one buyer) or the reserve (several)"),
    source=_src("listing_min_share"),
    check=lambda tx: not best_offer_reaches(tx), stage_rule=True)

negotiation = Rule(
    code="asset_sale.negotiation", text=gettext_lazy("with the one buyer, negotiation goes on by another round"),
    source=BUYERS_SOURCE, check=in_negotiation, stage_rule=True)

competition = Rule(
    code="asset_sale.competition", text=gettext_lazy("among several buyers, one round of sealed best offers"),
    source=BUYERS_SOURCE, check=lambda tx: not in_negotiation(tx), stage_rule=True)


def _auction_due(tx):
    auction = auction_of(tx)
    return auction is not None and auction_closing_due(auction)


def _auction_reserve_met(tx):
    auction = auction_of(tx)
    return auction is not None and auction.current_price is not None and auction.current_price >= auction.reserve_price


auction_over = Rule(
    code="asset_sale.auction_running",
    text=gettext_lazy("the auction closes when its countdown has run out"),
    source=AUCTION_SOURCE, check=_auction_due,
    detail=lambda tx: _("it ends %(end)s unless a bid restarts the countdown")
    % {"end": local(auction_of(tx).ends_at) if auction_of(tx) else "—"},
)

auction_reserve_met = Rule(
    code="asset_sale.auction_reserve", text=gettext_lazy("the highest bid at or above the reserve wins"),
    source=AUCTION_SOURCE, check=_auction_reserve_met, stage_rule=True)

auction_reserve_not_met = Rule(
    code="asset_sale.auction_no_sale", text=gettext_lazy("no bid at or above the reserve: no sale"),
    source=AUCTION_SOURCE, check=lambda tx: not _auction_reserve_met(tx), stage_rule=True)

deal_checkpointed = Rule(
    code="asset_sale.deal_checkpointed",
    text=gettext_lazy("the confirmation quotes the deal's ledger entry and the signed checkpoint that covers it: "
                      "wait a second for the checkpoint"),
    source=gettext_lazy("LEDGER.md section 5"),
    check=lambda tx: deal_checkpoint(tx)[1] is not None,
)

payment_period_over = Rule(
    code="asset_sale.payment_period",
    text=gettext_lazy("the buyer defaults when the price is not paid within the payment period"),
    source=_src("payment_working_days"),
    check=lambda tx: round_of(tx).payment_due_by is not None and clock.now() >= round_of(tx).payment_due_by,
    detail=lambda tx: _("the price is due by %(due)s") % {"due": local(round_of(tx).payment_due_by)},
)

publicity_over = Rule(
    code="asset_sale.result_publicity",
    text=gettext_lazy("the transfer is recorded after the result has been publicised for its whole period"),
    source=_src("result_publicity_working_days"),
    check=lambda tx: round_of(tx).publicity_until is not None and clock.now() >= round_of(tx).publicity_until,
    detail=lambda tx: _("publicised until %(until)s") % {"until": local(round_of(tx).publicity_until)},
)
