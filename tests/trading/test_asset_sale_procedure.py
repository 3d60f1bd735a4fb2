"""The asset sale through its services: the rooms above the school gate along each branch
at the close (no qualified buyer, one, several), sealed offers and the online auction,
the confirmation with its ledger seq and checkpoint, payment and default, publicity,
transfer, relisting; and the guards at their boundaries."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from bidding.models import Auction
from bidding.services.auctions import auction_bid
from ledger.models import Checkpoint, Entry
from tests.trading.asset_sale_world import (
    MONDAY,
    appraise,
    close_and_open_offers,
    close_disclosure,
    disclose,
    make_sale_world,
    offer,
    open_offers,
    record,
    register,
    reload,
    settle,
    upload,
)
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import CalendarYear, Notice
from trading.procedures.asset_sale import services
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def sw():
    with clock.frozen_at(MONDAY):
        yield make_sale_world()


def entries(code, kind=None):
    rows = Entry.objects.filter(subject=code).order_by("seq")
    if kind:
        rows = rows.filter(kind=kind)
    return [json.loads(bytes(e.body)) for e in rows]


def moves(code):
    return [(e["data"]["from"], e["data"]["to"]) for e in entries(code, "transition")][3:]


def pay_publish_transfer(sw):
    settle()  # the deal's entry sequenced and covered by a checkpoint
    tx = transaction_transition(code=sw.tx.code, action="confirm_deal", user=sw.world.clerk)
    r = record(sw)
    pdf = r.confirmation_document.file.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert str(r.deal_seq) in text and str(r.checkpoint_size) in text
    deal = Entry.objects.get(seq=r.deal_seq)
    assert json.loads(bytes(deal.body))["data"]["to"] == "deal"
    assert Checkpoint.objects.filter(size=r.checkpoint_size).exists() and r.checkpoint_size > r.deal_seq
    tx = services.asset_record_payment(code=tx.code, user=sw.world.clerk, amount=f"{r.price:.2f}",
                                       paid_on=clock.now().date())
    tx = transaction_transition(code=tx.code, action="publish_result", user=sw.world.clerk)
    result = Notice.objects.get(transaction=tx, kind="result")
    assert "320,000.00" in result.body and f"{r.price:,.2f}" in result.body
    with pytest.raises(RuleViolation, match="publicised"):
        services.asset_record_transfer(code=tx.code, user=sw.world.purchaser, transferred_on=clock.now().date(),
                                       upload=upload("交接书.pdf"))
    clock.advance(record(sw).publicity_until - clock.now() + timedelta(seconds=1))
    tx = services.asset_record_transfer(code=tx.code, user=sw.world.purchaser, transferred_on=clock.now().date(),
                                        upload=upload("交接书.pdf"))
    tx = transaction_transition(code=tx.code, action="archive", user=sw.world.clerk)
    assert tx.stage == "archived"
    return tx


def test_no_qualified_buyer_leaves_it_unsold_and_it_is_relisted_as_a_new_round(sw):
    appraise(sw)
    disclose(sw)
    register(sw, 0, qualify=False)  # refused with a reason
    tx = close_disclosure(sw)
    assert tx.stage == "unsold"
    [close] = [e for e in entries(tx.code, "transition") if e["data"]["action"] == "close_unsold"]
    assert close["data"]["registered"] == 1 and close["data"]["qualified"] == []
    assert close["data"]["refused"][0]["reason"] == "未提交营业执照"
    tx = transaction_transition(code=tx.code, action="relist", user=sw.world.clerk)
    assert (tx.stage, tx.round) == ("appraised", 2)
    # Below 90% of the appraisal only with the approving authority's document.
    with pytest.raises(RuleViolation, match="needs the approving authority's document") as refused:
        disclose(sw, price="280000.00")
    assert refused.value.rule == "asset_sale.relist_approval"
    tx = disclose(sw, price="300000.00")  # 93.75%: no approval needed
    assert tx.stage == "disclosing" and record(sw).round == 2


def test_one_buyer_negotiates_by_rounds_of_sealed_offers_until_one_reaches_the_listing_price(sw):
    appraise(sw)
    disclose(sw, method="sealed")
    register(sw, 0)
    tx = close_disclosure(sw)
    assert tx.stage == "negotiating"
    open_offers(sw)
    offer(sw, 0, "310000.00")  # below the listing price
    tx = close_and_open_offers(sw)
    assert tx.stage == "negotiating"
    open_offers(sw)
    offer(sw, 0, "321000.00")
    tx = close_and_open_offers(sw)
    assert tx.stage == "deal"
    assert (record(sw).buyer, record(sw).price) == (sw.buyers[0][1], Decimal("321000.00"))
    closed = entries(tx.code, "bids.closed")
    assert [c["data"].get("bid_round") for c in closed] == [None, 2]  # the second round names itself
    pay_publish_transfer(sw)
    assert moves(tx.code)[:9] == [
        ("registered", "appraised"), ("appraised", "disclosing"), ("disclosing", "negotiating"),
        ("negotiating", "offering"), ("offering", "offers_closed"), ("offers_closed", "offers_opened"),
        ("offers_opened", "negotiating"), ("negotiating", "offering"), ("offering", "offers_closed")]


def test_the_clerk_may_end_a_negotiation_without_a_sale(sw):
    appraise(sw)
    disclose(sw)
    register(sw, 0)
    close_disclosure(sw)
    tx = transaction_transition(code=sw.tx.code, action="end_negotiation", user=sw.world.clerk,
                                reason="受让方放弃")
    assert tx.stage == "no_sale"


def test_several_buyers_with_sealed_best_offers_the_highest_at_or_above_the_reserve_wins(sw):
    appraise(sw)
    disclose(sw, method="sealed", reserve="330000.00")
    for i in range(3):
        register(sw, i)
    assert close_disclosure(sw).stage == "competing"
    with pytest.raises(StageConflict, match="online auction"):
        services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    open_offers(sw)
    offer(sw, 0, "335000.00")
    offer(sw, 1, "341000.00")
    offer(sw, 2, "320500.00")
    tx = close_and_open_offers(sw)
    assert tx.stage == "deal" and record(sw).price == Decimal("341000.00")
    assert record(sw).buyer == sw.buyers[1][1]


def test_sealed_best_offers_all_below_the_reserve_end_without_a_sale(sw):
    appraise(sw)
    disclose(sw, method="sealed", reserve="400000.00")
    register(sw, 0)
    register(sw, 1)
    close_disclosure(sw)
    open_offers(sw)
    offer(sw, 0, "335000.00")
    assert close_and_open_offers(sw).stage == "no_sale"


def test_several_buyers_compete_in_the_online_auction_and_the_replay_gives_the_same_winner(sw):
    from bidding.auction_replay import auctions_of, replay

    appraise(sw)
    disclose(sw, method="auction", reserve="330000.00")
    for i in range(3):
        register(sw, i)
    close_disclosure(sw)
    tx = services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    assert tx.stage == "auctioning"
    auction = Auction.objects.get(transaction=tx)
    (u0, c0), (u1, c1), (u2, c2) = sw.buyers
    auction_bid(auction=auction, company=c0, amount="320000.00", user=u0)
    with pytest.raises(RuleViolation) as low:
        auction_bid(auction=auction, company=c1, amount="324000.00", user=u1)
    assert low.value.rule == "auction.increment"
    with pytest.raises(RuleViolation) as own:
        auction_bid(auction=auction, company=c0, amount="330000.00", user=u0)
    assert own.value.rule == "auction.already_leading"
    clock.advance(timedelta(minutes=4))
    auction_bid(auction=auction, company=c1, amount="325000.00", user=u1)
    clock.advance(timedelta(minutes=4, seconds=59))  # the countdown restarted at the last bid
    auction_bid(auction=auction, company=c2, amount="335000.00", user=u2)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(RuleViolation) as late:
        auction_bid(auction=auction, company=c0, amount="340000.00", user=u0)
    assert late.value.rule == "auction.ended"
    clock.advance(timedelta(seconds=3))
    settle()
    tx = reload(sw)
    assert tx.stage == "deal" and record(sw).price == Decimal("335000.00") and record(sw).buyer == c2
    outcome = replay(auctions_of(entries(tx.code), tx.code)[1])
    assert (outcome.outcome, outcome.price, outcome.bids) == ("sold", Decimal("335000.00"), 3)
    assert outcome.winner == auction.bidders.get(company=c2).number
    pay_publish_transfer(sw)


def test_an_auction_below_the_reserve_is_no_sale(sw):
    appraise(sw)
    disclose(sw, method="auction", reserve="400000.00")
    register(sw, 0)
    register(sw, 1)
    close_disclosure(sw)
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    user, company = sw.buyers[0]
    auction_bid(auction=Auction.objects.get(transaction=sw.tx), company=company, amount="320000.00", user=user)
    clock.advance(timedelta(minutes=5, seconds=3))
    settle()
    assert reload(sw).stage == "no_sale"
    assert "below the reserve" in reload(sw).reason


def test_a_payment_default_forfeits_the_deposit_and_relists_without_that_buyer(sw):
    appraise(sw)
    disclose(sw, method="sealed")
    register(sw, 0)
    close_disclosure(sw)
    open_offers(sw)
    offer(sw, 0, "320000.00")
    close_and_open_offers(sw)
    settle()
    transaction_transition(code=sw.tx.code, action="confirm_deal", user=sw.world.clerk)
    clock.advance(record(sw).payment_due_by - clock.now() + timedelta(seconds=1))
    settle()
    tx = reload(sw)
    assert tx.stage == "unsold"
    default = entries(tx.code, "transition")[-1]["data"]
    assert default["action"] == "payment_default" and default["deposit_forfeited"] == "30000.00"
    transaction_transition(code=tx.code, action="relist", user=sw.world.clerk)
    CalendarYear.objects.get_or_create(year=2027, defaults={"source": "test stand-in: weekends only"})
    disclose(sw)
    with pytest.raises(RuleViolation) as again:
        register(sw, 0)
    assert again.value.rule == "asset_sale.defaulted_buyer"


def test_a_change_to_the_notice_restarts_the_disclosure_and_is_ledgered(sw):
    appraise(sw)
    disclose(sw)
    first_until = record(sw).disclosure_until
    clock.advance(timedelta(days=3))
    services.asset_change_disclosure(code=sw.tx.code, user=sw.world.clerk, reason="更正建筑面积", listing_price="325000.00",
                                     method="auction", increment="5000.00", countdown_minutes=5, deposit="30000.00")
    assert record(sw).disclosure_until > first_until and record(sw).listing_price == Decimal("325000.00")
    settle()
    [changed] = entries(sw.tx.code, "notice.changed")
    assert changed["data"]["kind"] == "disclosure"
    assert entries(sw.tx.code, "transition")[-1]["data"]["restarted"] is True


def test_listing_below_the_appraisal_or_on_an_old_appraisal_is_refused(sw):
    appraise(sw, on=date(2025, 10, 20))
    with pytest.raises(RuleViolation) as old:
        disclose(sw)
    assert old.value.rule == "asset_sale.appraisal_expired"
    appraise(sw)
    with pytest.raises(RuleViolation) as low:
        disclose(sw, price="319999.99")
    assert low.value.rule == "asset_sale.listing_min"
    with pytest.raises(InvalidInput, match="reserve"):
        disclose(sw, reserve="300000.00")


def test_registration_rules_before_the_close(sw):
    appraise(sw)
    disclose(sw)
    user, company = sw.buyers[0]
    other_user, _other = sw.buyers[1]
    with pytest.raises(NotPermitted):
        services.buyer_register(code=sw.tx.code, user=other_user, company=company.pk)
    registration = register(sw, 0, qualify=None)
    with pytest.raises(RuleViolation) as deposit:
        services.registration_decide(code=sw.tx.code, user=sw.world.clerk, registration_id=registration.pk,
                                     qualified=True)
    assert deposit.value.rule == "asset_sale.deposit_first"
    with pytest.raises(NotPermitted):
        services.registration_decide(code=sw.tx.code, user=sw.world.purchaser, registration_id=registration.pk,
                                     qualified=False, reason="x")
    clock.advance(record(sw).disclosure_until - clock.now() + timedelta(seconds=1))
    settle()
    assert reload(sw).stage == "disclosing"  # the close waits for every decision
    with pytest.raises(RuleViolation) as late:
        services.buyer_register(code=sw.tx.code, user=other_user, company=sw.buyers[1][1].pk)
    assert late.value.rule == "asset_sale.disclosure_period"
    services.registration_decide(code=sw.tx.code, user=sw.world.clerk, registration_id=registration.pk,
                                 qualified=False, reason="资格不符")
    settle()
    assert reload(sw).stage == "unsold"
    # Nothing before the close named or counted the buyers.
    before = [e for e in entries(sw.tx.code) if e["data"].get("action") != "close_unsold"]
    assert company.name not in json.dumps(before, ensure_ascii=False)


def test_a_suspension_stops_the_countdown_and_the_resumption_gives_back_what_was_left(sw):
    """A supervisor suspends the sale three minutes into a five-minute countdown and resumes
    it an hour later: the bidders get the two minutes left, not an auction already over."""
    from bidding.auction_replay import auctions_of, replay

    appraise(sw)
    disclose(sw)
    register(sw, 0)
    register(sw, 1)
    close_disclosure(sw)
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    auction = Auction.objects.get(transaction=sw.tx)
    (u0, c0), (u1, c1) = sw.buyers[:2]
    first = auction_bid(auction=auction, company=c0, amount="320000.00", user=u0)
    clock.advance(timedelta(minutes=3))
    transaction_transition(code=sw.tx.code, action="suspend", user=sw.world.supervisor, reason="接到举报")
    clock.advance(timedelta(hours=1))
    settle()
    assert reload(sw).stage == "suspended"  # the clock closes nothing meanwhile
    with pytest.raises(StageConflict, match="no bids"):
        auction_bid(auction=auction, company=c1, amount="325000.00", user=u1)
    resumed_at = clock.now()
    transaction_transition(code=sw.tx.code, action="resume", user=sw.world.supervisor)
    auction.refresh_from_db()
    assert auction.ends_at == resumed_at + (first.ends_at - (first.accepted_at + timedelta(minutes=3)))
    assert auction.ends_at - resumed_at == timedelta(minutes=2)
    clock.advance(timedelta(minutes=1, seconds=50))
    settle()
    assert reload(sw).stage == "auctioning"  # would have closed an hour ago without the pause
    auction_bid(auction=auction, company=c1, amount="325000.00", user=u1)
    clock.advance(timedelta(minutes=5, seconds=3))
    settle()
    assert reload(sw).stage == "deal" and record(sw).buyer == c1
    kinds = [e["kind"] for e in entries(sw.tx.code) if e["kind"].startswith("auction.")]
    assert kinds == ["auction.opened", "auction.bid", "auction.paused", "auction.resumed", "auction.bid",
                     "auction.ended"]
    outcome = replay(auctions_of(entries(sw.tx.code), sw.tx.code)[1])
    assert (outcome.outcome, outcome.price, outcome.bids) == ("sold", Decimal("325000.00"), 2)
    suspend, resume = [e for e in entries(sw.tx.code, "transition") if e["data"]["action"] in ("suspend", "resume")]
    assert suspend["data"]["auction"] == "paused" and resume["data"]["auction"] == "resumed"


def test_a_suspended_auction_receives_no_bids(sw):
    appraise(sw)
    disclose(sw)
    register(sw, 0)
    register(sw, 1)
    close_disclosure(sw)
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    transaction_transition(code=sw.tx.code, action="suspend", user=sw.world.supervisor, reason="接到举报")
    user, company = sw.buyers[0]
    with pytest.raises(StageConflict, match="no bids"):
        auction_bid(auction=Auction.objects.get(transaction=sw.tx), company=company, amount="320000.00", user=user)
    transaction_transition(code=sw.tx.code, action="resume", user=sw.world.supervisor)
    assert auction_bid(auction=Auction.objects.get(transaction=sw.tx), company=company, amount="320000.00",
                       user=user).seq == 1
