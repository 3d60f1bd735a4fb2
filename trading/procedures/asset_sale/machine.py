"""The asset sale's stage machine (公开协商转让 of a state-owned asset; DOMAIN.md section 3).

After the common start (registered), the stages are:

    registered -> appraised            record_appraisal      seller: appraiser, value, date, approval document
    appraised -> appraised             record_appraisal      seller: a new appraisal
    appraised -> disclosing            publish_disclosure    clerk: the notice, the listing's terms
    disclosing -> disclosing           change_disclosure     clerk: a change restarts the disclosure
    disclosing -> unsold               close_unsold          system, at the end: no qualified buyer
    disclosing -> negotiating          close_to_negotiation  system, at the end: one qualified buyer
    disclosing -> competing            close_to_competition  system, at the end: two or more
    negotiating | competing -> offering  open_offers         clerk: a round of sealed offers
    offering -> offers_closed          close_offers          system, at the offers' deadline
    offers_closed -> offers_opened     open_sealed_offers    clerk with k custodians' shares
    offers_opened -> deal              award_best_offer      system: the highest offer reaches the threshold
    offers_opened -> negotiating       negotiate_again       system: one buyer, no offer reaches the listing price
    offers_opened -> no_sale           fail_offers           system: several buyers, none reaches the reserve
    negotiating -> no_sale             end_negotiation       clerk, with a published reason
    competing -> auctioning            start_auction         clerk: the online auction
    auctioning -> deal                 close_auction_sold    system, the countdown run out, reserve met
    auctioning -> no_sale              close_auction_unsold  system, reserve not met
    deal -> confirmed                  confirm_deal          clerk: 成交确认书 with the ledger seq and checkpoint
    confirmed -> paid                  record_payment        clerk, within the payment period
    confirmed -> unsold                payment_default       system: deposit forfeit, relist
    paid -> result_publicised          publish_result        clerk: appraised value, reserve, price
    result_publicised -> transferred   record_transfer       seller, after the publicity period
    unsold | no_sale -> appraised      relist                clerk: a new round of the same code
    transferred | unsold | no_sale -> archived  archive      clerk

Each move declares its role, its label and the rules that must hold (rules.py); its body
is a step of services/. docs/procedures/asset-sale.md has the generated diagram.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from trading import clock
from trading.models import Role, Stage, Transaction
from trading.models.transactions import holds_role

from . import rules
from .records import AssetSaleStage as S
from .services import after_deal, appraisal, auction, buyers, disclosure, offers
from .services.common import bid_round_of, round_of


def system_only(instance, user):
    """Time-driven moves: only the clock's tick performs them."""
    return False


CLERK = {"role": Role.CLERK}
SELLER = {"role": Role.PURCHASER}
SYSTEM = {"role": "system", "system_only": True}


class AssetSale(Transaction):
    STAGES = {s.value: s.label for s in S}
    FINAL_STAGES = frozenset()
    ARCHIVABLE_STAGES = frozenset({S.TRANSFERRED, S.UNSOLD, S.NO_SALE})

    class Meta:
        proxy = True
        app_label = "trading"

    @transition(field="stage", source=[Stage.REGISTERED, S.APPRAISED], target=S.APPRAISED,
                permission=holds_role(Role.PURCHASER),
                custom={**SELLER, "form": True, "label": _("record the appraisal")})
    def record_appraisal(self, *, user, now, **inputs):
        inputs.pop("reason", None)
        return appraisal.record_appraisal(self, user=user, now=now, **inputs)

    @transition(field="stage", source=S.APPRAISED, target=S.DISCLOSING, conditions=[rules.appraisal_recorded],
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("publish the disclosure notice")})
    def publish_disclosure(self, *, user, now, terms, approval_upload=None, **_kw):
        return disclosure.publish_disclosure(self, user=user, now=now, terms=terms, approval_upload=approval_upload)

    @transition(field="stage", source=S.DISCLOSING, target=S.DISCLOSING, conditions=[rules.disclosure_running],
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("change the notice (restarts the disclosure)")})
    def change_disclosure(self, *, user, now, terms, change_reason, approval_upload=None, **_kw):
        return disclosure.change_disclosure(self, user=user, now=now, terms=terms, change_reason=change_reason,
                                            approval_upload=approval_upload)

    @transition(field="stage", source=S.DISCLOSING, target=S.UNSOLD, permission=system_only,
                conditions=[rules.disclosure_over, rules.registrations_decided, rules.no_qualified_buyer],
                custom={**SYSTEM, "label": _("close: no qualified buyer, unsold")})
    def close_unsold(self, *, now, **_kw):
        return buyers.close_unsold(self, now=now)

    @transition(field="stage", source=S.DISCLOSING, target=S.NEGOTIATING, permission=system_only,
                conditions=[rules.disclosure_over, rules.registrations_decided, rules.one_qualified_buyer],
                custom={**SYSTEM, "label": _("close: one qualified buyer, negotiation")})
    def close_to_negotiation(self, *, now, **_kw):
        return buyers.close_to_negotiation(self, now=now)

    @transition(field="stage", source=S.DISCLOSING, target=S.COMPETING, permission=system_only,
                conditions=[rules.disclosure_over, rules.registrations_decided, rules.several_qualified_buyers],
                custom={**SYSTEM, "label": _("close: several qualified buyers, competition")})
    def close_to_competition(self, *, now, **_kw):
        return buyers.close_to_competition(self, now=now)

    @transition(field="stage", source=[S.NEGOTIATING, S.COMPETING], target=S.OFFERING,
                conditions=[rules.sealed_offers_apply], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("open a round of sealed offers")})
    def open_offers(self, *, user, now, deadline, supervisor, purchaser_rep, **_kw):
        return offers.open_offers(self, user=user, now=now, deadline=deadline, supervisor=supervisor,
                                  purchaser_rep=purchaser_rep)

    @transition(field="stage", source=S.OFFERING, target=S.OFFERS_CLOSED, conditions=[rules.offers_closing_due],
                permission=system_only, custom={**SYSTEM, "label": _("close the offers at the deadline")})
    def close_offers(self, **_kw):
        return offers.close_offers(self)

    @transition(field="stage", source=S.OFFERS_CLOSED, target=S.OFFERS_OPENED,
                conditions=[rules.offers_closed_not_opened], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "opens_bids": True, "label": _("open the sealed offers")})
    def open_sealed_offers(self, *, user, shares=(), **_kw):
        return offers.open_sealed_offers(self, user=user, shares=shares)

    @transition(field="stage", source=S.OFFERS_OPENED, target=S.DEAL, conditions=[rules.offer_reaches],
                permission=system_only, custom={**SYSTEM, "label": _("deal: the highest offer reaches the price")})
    def award_best_offer(self, *, now, **_kw):
        return offers.award_best_offer(self, now=now)

    @transition(field="stage", source=S.OFFERS_OPENED, target=S.NEGOTIATING,
                conditions=[rules.negotiation, rules.no_offer_reaches], permission=system_only,
                custom={**SYSTEM, "label": _("negotiation goes on: no offer reached the listing price")})
    def negotiate_again(self, **_kw):
        return offers.negotiate_again(self)

    @transition(field="stage", source=S.OFFERS_OPENED, target=S.NO_SALE,
                conditions=[rules.competition, rules.no_offer_reaches], permission=system_only,
                custom={**SYSTEM, "label": _("no sale: no offer reached the reserve")})
    def fail_offers(self, *, now, **_kw):
        return offers.fail_offers(self, now=now)

    @transition(field="stage", source=S.NEGOTIATING, target=S.NO_SALE, permission=holds_role(Role.CLERK),
                custom={**CLERK, "needs_reason": True, "danger": True, "confirm": True,
                        "label": _("end the negotiation without a sale")})
    def end_negotiation(self, *, reason, **_kw):
        return offers.end_negotiation(self, reason=reason)

    @transition(field="stage", source=S.COMPETING, target=S.AUCTIONING, conditions=[rules.auction_applies],
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("start the online auction")})
    def start_auction(self, *, user, now, starts_at=None, **_kw):
        return auction.start_auction(self, user=user, now=now, starts_at=starts_at)

    @transition(field="stage", source=S.AUCTIONING, target=S.DEAL,
                conditions=[rules.auction_over, rules.auction_reserve_met], permission=system_only,
                custom={**SYSTEM, "label": _("the auction ends: sold to the highest bid")})
    def close_auction_sold(self, *, now, **_kw):
        return auction.close_auction_sold(self, now=now)

    @transition(field="stage", source=S.AUCTIONING, target=S.NO_SALE,
                conditions=[rules.auction_over, rules.auction_reserve_not_met], permission=system_only,
                custom={**SYSTEM, "label": _("the auction ends: no bid at the reserve, no sale")})
    def close_auction_unsold(self, *, now, **_kw):
        return auction.close_auction_unsold(self, now=now)

    @transition(field="stage", source=S.DEAL, target=S.CONFIRMED, conditions=[rules.deal_checkpointed],
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("issue the confirmation of the deal (成交确认书)")})
    def confirm_deal(self, *, user, now, **_kw):
        return after_deal.confirm_deal(self, user=user, now=now)

    @transition(field="stage", source=S.CONFIRMED, target=S.PAID, permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("record the payment")})
    def record_payment(self, *, now, amount, paid_on, **_kw):
        return after_deal.record_payment(self, now=now, amount=amount, paid_on=paid_on)

    @transition(field="stage", source=S.CONFIRMED, target=S.UNSOLD, conditions=[rules.payment_period_over],
                permission=system_only,
                custom={**SYSTEM, "label": _("payment default: the deposit is forfeit, relist")})
    def payment_default(self, *, now, **_kw):
        return after_deal.payment_default(self, now=now)

    @transition(field="stage", source=S.PAID, target=S.RESULT_PUBLICISED,
                permission=holds_role(Role.CLERK), custom={**CLERK, "label": _("publish the result")})
    def publish_result(self, *, user, now, **_kw):
        return after_deal.publish_result(self, user=user, now=now)

    @transition(field="stage", source=S.RESULT_PUBLICISED, target=S.TRANSFERRED, conditions=[rules.publicity_over],
                permission=holds_role(Role.PURCHASER),
                custom={**SELLER, "form": True, "label": _("record the transfer")})
    def record_transfer(self, *, user, now, transferred_on, upload, **_kw):
        return after_deal.record_transfer(self, user=user, now=now, transferred_on=transferred_on, upload=upload)

    @transition(field="stage", source=[S.UNSOLD, S.NO_SALE], target=S.APPRAISED, permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("relist as a new round")})
    def relist(self, *, now, **_kw):
        return after_deal.relist(self, now=now)

    def on_termination(self):
        return {**offers.cancel_open_round(self), **auction.cancel_running_auction(self)}

    def on_suspension(self):
        return auction.pause_running_auction(self)

    def on_resume(self):
        return auction.resume_paused_auction(self)

    # --- the clock ---------------------------------------------------------------------

    def wake_times(self):
        """When a time-driven move of the current stage may become due (real moments)."""
        record = round_of(self)
        if self.stage == S.DISCLOSING:
            return [record.disclosure_until]
        if self.stage == S.OFFERING and bid_round_of(self):
            bid_round = bid_round_of(self)
            return [bid_round.deadline + timedelta(seconds=bid_round.grace_seconds)]
        if self.stage == S.OFFERS_OPENED:
            return [clock.now()]  # the rules decide the outcome at once
        if self.stage == S.AUCTIONING:
            found = auction.auction_of(self)
            return [found.ends_at + timedelta(seconds=found.grace_seconds)] if found else []
        if self.stage == S.CONFIRMED:
            return [record.payment_due_by]
        return []
