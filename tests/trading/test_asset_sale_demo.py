"""The demo's rooms above the school gate, walked in the sandbox with the demo accounts
alone along each branch at the close: round 1 no buyer (unsold, relisted), round 2 one
buyer (negotiation by sealed offers, ended without a sale, relisted), round 3 two buyers
(the online auction, the deal, confirmation, payment, publicity, transfer, archive).
Every period is a few real minutes at most (docs/demo.md)."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding import crypto
from bidding.models import Auction, Company, CustodianShare
from bidding.selectors_sealed import round_of as bid_round_of
from bidding.services.auctions import auction_bid
from bidding.services.bids import bid_seal_for_web
from bidding.services.custodians import share_bundle
from tests.trading.asset_sale_world import MONDAY, settle
from trading import clock
from trading.demo import DEMO_CUSTODIAN_PASSPHRASES, seed_demo
from trading.models import Transaction, User
from trading.procedures.asset_sale import services
from trading.procedures.asset_sale.models import SaleRound
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def settings_sandbox(settings):
    settings.SANDBOX_TIME_FACTOR = 1440


def share(tx, user):
    s = CustodianShare.objects.get(custodian=user, opening_key__bid_round=bid_round_of(tx))
    return user, crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(share_bundle(s))),
                                                   DEMO_CUSTODIAN_PASSPHRASES[user.username])


def wait_until(moment):
    clock.advance(moment - clock.now() + timedelta(seconds=1))
    settle()


def test_the_rooms_can_be_walked_along_each_branch(settings_sandbox):
    with clock.frozen_at(MONDAY):
        codes = seed_demo()
        tx = Transaction.objects.get(code=codes[2]).as_procedure()
        assert tx.type == "asset_sale" and tx.time_factor == 10080
        u = {x.username: x for x in User.objects.all()}
        company = {name: Company.objects.get(representations__user=u[name]) for name in ("bidder", "bidder2",
                                                                                         "bidder3")}
        services.asset_record_appraisal(code=tx.code, user=u["school"], appraiser="示范县诚信资产评估事务所",
                                        appraised_value="320000.00", appraised_on=clock.now().date(),
                                        upload=SimpleUploadedFile("评估报告.pdf", b"%PDF-1.4 demo"))

        def disclose():
            services.asset_publish_disclosure(code=tx.code, user=u["clerk"], listing_price="320000.00",
                                              method="auction", increment="5000.00", deposit="30000.00")
            until = SaleRound.objects.get(transaction=tx, round=Transaction.objects.get(pk=tx.pk).round).disclosure_until
            assert until - clock.now() < timedelta(minutes=5)  # 20 working days, in minutes
            return until

        def buyers(*names):
            for name in names:
                r = services.buyer_register(code=tx.code, user=u[name], company=company[name].pk)
                services.deposit_record(code=tx.code, user=u["clerk"], registration_id=r.pk, amount="30000.00",
                                        paid_on=clock.now().date())
                services.registration_decide(code=tx.code, user=u["clerk"], registration_id=r.pk, qualified=True)

        # Round 1: nobody registers.
        wait_until(disclose())
        assert Transaction.objects.get(pk=tx.pk).stage == "unsold"
        transaction_transition(code=tx.code, action="relist", user=u["clerk"])
        # Round 2: one buyer; an offer below the listing price; the clerk ends it.
        until = disclose()
        buyers("bidder")
        wait_until(until)
        assert Transaction.objects.get(pk=tx.pk).stage == "negotiating"
        services.asset_open_offers(code=tx.code, user=u["clerk"], deadline=clock.now() + timedelta(minutes=2),
                                   supervisor=u["supervisor"].pk, purchaser_rep=u["school"].pk)
        fresh = Transaction.objects.get(pk=tx.pk).as_procedure()
        bid_seal_for_web(bid_round=bid_round_of(fresh), company=company["bidder"], price="300000.00",
                         user=u["bidder"])
        wait_until(bid_round_of(fresh).deadline + timedelta(seconds=3))
        services.asset_open_sealed_offers(code=tx.code, user=u["clerk"],
                                          shares=[share(fresh, u["clerk"]), share(fresh, u["school"])])
        settle()
        assert Transaction.objects.get(pk=tx.pk).stage == "negotiating"
        transaction_transition(code=tx.code, action="end_negotiation", user=u["clerk"], reason="价格未能达成一致")
        transaction_transition(code=tx.code, action="relist", user=u["clerk"])
        # Round 3: two buyers, the online auction (a minute's countdown in the sandbox).
        until = disclose()
        buyers("bidder2", "bidder3")
        wait_until(until)
        services.asset_start_auction(code=tx.code, user=u["clerk"])
        auction = Auction.objects.get(transaction=tx, procedure_round=3)
        assert auction.countdown_seconds == 60
        auction_bid(auction=auction, company=company["bidder2"], amount="320000.00", user=u["bidder2"])
        auction_bid(auction=auction, company=company["bidder3"], amount="325000.00", user=u["bidder3"])
        wait_until(Auction.objects.get(pk=auction.pk).ends_at + timedelta(seconds=2))
        settle()
        transaction_transition(code=tx.code, action="confirm_deal", user=u["clerk"])
        record = SaleRound.objects.get(transaction=tx, round=3)
        assert record.payment_due_by - clock.now() < timedelta(minutes=2)
        services.asset_record_payment(code=tx.code, user=u["clerk"], amount="325000.00", paid_on=clock.now().date())
        transaction_transition(code=tx.code, action="publish_result", user=u["clerk"])
        wait_until(SaleRound.objects.get(pk=record.pk).publicity_until)
        services.asset_record_transfer(code=tx.code, user=u["school"], transferred_on=clock.now().date(),
                                       upload=SimpleUploadedFile("交接书.pdf", b"%PDF-1.4 handover"))
        assert transaction_transition(code=tx.code, action="archive", user=u["clerk"]).stage == "archived"
