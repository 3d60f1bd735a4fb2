"""The courtyard paving's people and helpers to walk the open tender through its services,
for the tender tests (procedure, pages, API, secrecy, hostile input, e2e)."""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding import crypto
from bidding.models import CustodianShare, OpeningRecord, PanelMember
from bidding.selectors_sealed import next_part_to_open, round_of
from bidding.services.companies import company_register, expert_pool_add
from bidding.services.custodians import custodian_key_set, share_bundle
from bidding.services.draws import draws_perform_due
from bidding.uscc import check_character
from ledger.sequencer import ledger_run_sequencer
from tests.factories import make_user, make_world
from trading import clock, deadlines
from trading.models import Role, Transaction
from trading.procedures.tender.services import (
    awarding,
    bids,
    committee,
    evaluation,
    notice,
    opening,
)
from trading.procedures.tender.services.notice import BID_CLOSE_GRACE_SECONDS
from trading.services.ticks import tick
from trading.services.transactions import document_attach, transaction_create
from trading.services.transitions import transaction_transition

BEIJING = ZoneInfo("Asia/Shanghai")
# A Monday: the notice goes out then (tender periods are calendar days).
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)
PAST_CLOSING = timedelta(seconds=BID_CLOSE_GRACE_SECONDS + 1)
PASSPHRASES = {"clerk": "clerk-custodian-pass", "supervisor": "supervisor-custodian-pass",
               "purchaser": "purchaser-custodian-pass"}
PRICES = ["438000.00", "421500.00", "447900.00", "452000.00"]
WEIGHTS = {"price": "40", "technical": "45", "commercial": "15"}


@pytest.fixture(autouse=True)
def fast_scrypt(settings):
    """Custodian keys with scrypt N = 2**10 instead of 2**17 (the same code, fast tests; the
    parameters are stored with each key: tests/bidding/test_sealed_support.py)."""
    settings.CUSTODIAN_SCRYPT_LOG2_N = 10


def uscc(n: int) -> str:
    base = f"9135020{n:02d}M000200Y"[:17]
    return base + check_character(base)


@dataclass
class TenderWorld:
    world: object
    experts: list
    bidders: list  # (user, company)
    tx: object = None
    extra: dict = field(default_factory=dict)


def make_tender_world(*, bidders=4, experts=8, amount="460000.00"):
    world = make_world()
    expert_users = []
    for i in range(experts):
        user = make_user(full_name=f"评标专家{i + 1}", roles=[(Role.EXPERT, world.station, None)])
        expert_pool_add(station=world.station, user=user, specialty="市政工程", employer=f"县住建局第{i}科")
        expert_users.append(user)
    companies = []
    for i in range(bidders):
        user = make_user(full_name=f"投标人代表{i + 1}", roles=[(Role.BIDDER, world.station, None)])
        company = company_register(user=user, uscc=uscc(i + 1), name=f"示范县第{i + 1}建筑工程有限公司",
                                   contact_name=f"联系人{i + 1}", contact_phone="0591-8777000" + str(i))
        companies.append((user, company))
    custodian_key_set(user=world.clerk, passphrase=PASSPHRASES["clerk"])
    custodian_key_set(user=world.supervisor, passphrase=PASSPHRASES["supervisor"])
    custodian_key_set(user=world.purchaser, passphrase=PASSPHRASES["purchaser"])
    tx = transaction_create(user=world.purchaser, unit=world.unit, type="tender", title="镇政府后院地坪建设项目",
                            amount=amount)
    for name, purpose in (("项目立项批复.txt", "approval"), ("工程量清单.txt", "specification")):
        document_attach(transaction=tx, user=world.purchaser, purpose=purpose,
                        upload=SimpleUploadedFile(name, f"{name} {tx.code}".encode(), content_type="text/plain"))
    transaction_transition(code=tx.code, action="submit", user=world.purchaser)
    tx = transaction_transition(code=tx.code, action="register", user=world.clerk)
    return TenderWorld(world=world, experts=expert_users, bidders=companies, tx=tx)


def settle():
    """What production does within a second: sequence, sign, perform the draws due, run the
    tick, sequence again."""
    ledger_run_sequencer()
    draws_perform_due()
    tick()
    ledger_run_sequencer()


def refresh(tw):
    tw.tx = Transaction.objects.get(pk=tw.tx.pk).as_procedure()
    return tw.tx


def issue_notice(tw, *, method="lowest_price", two_envelopes=False, max_price=None, security="9000.00"):
    now = clock.now()
    deadline = deadlines.at_least_days(tw.tx, now, 20) + timedelta(hours=1)
    notice.tender_issue_notice(
        code=tw.tx.code, user=tw.world.clerk, deadline=deadline, documents_until=now + timedelta(days=6),
        method=method, weights=WEIGHTS if method == "scoring" else None, qualifications="市政公用工程施工总承包三级及以上",
        max_price=max_price, security_amount=security, two_envelopes=two_envelopes,
        supervisor=tw.world.supervisor.pk, purchaser_rep=tw.world.purchaser.pk)
    settle()
    return refresh(tw)


def register(tw, index):
    user, company = tw.bidders[index]
    return bids.tender_register(code=tw.tx.code, user=user, company=company)


def technical_file(index):
    return SimpleUploadedFile(f"技术标{index}.txt", f"施工组织设计 第{index}号".encode(), content_type="text/plain")


def bid(tw, index, price=None, *, technical=True):
    """Register if needed and bid: the technical envelope (two envelopes) and the price."""
    user, company = tw.bidders[index]
    if not company.admissions.filter(bid_round=round_of(tw.tx)).exists():
        register(tw, index)
    if refresh(tw) and bids.round_of(tw.tx).two_envelopes and technical:
        bids.tender_bid_technical(code=tw.tx.code, user=user, company=company, upload=technical_file(index))
    return bids.tender_bid_price(code=tw.tx.code, user=user, company=company, price=price or PRICES[index])


def pass_deadline(tw):
    clock.advance(round_of(tw.tx).deadline - clock.now() + PAST_CLOSING)
    settle()
    return refresh(tw)


def form_committee(tw, experts=5):
    committee.tender_announce_expert_draw(code=tw.tx.code, user=tw.world.clerk, count=experts)
    settle()
    return committee.tender_form_committee(code=tw.tx.code, user=tw.world.clerk)


def custodian_share(tx, user, passphrase):
    """The custodian's share of the opening key of the part opened next, as its own device
    computes it."""
    bid_round = round_of(tx)
    share = CustodianShare.objects.get(custodian=user, opening_key__bid_round=bid_round,
                                       opening_key__part=next_part_to_open(bid_round))
    return user, crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(share_bundle(share))), passphrase)


def open_next(tw):
    tx = opening.tender_open(code=tw.tx.code, user=tw.world.clerk, shares=[
        custodian_share(tw.tx, tw.world.clerk, PASSPHRASES["clerk"]),
        custodian_share(tw.tx, tw.world.supervisor, PASSPHRASES["supervisor"])])
    tw.tx = tx
    return tx


def members(tw):
    return list(PanelMember.objects.filter(transaction=tw.tx, round=tw.tx.round).select_related("user"))


def assess_all(tw, verdicts=None, part=None):
    """Every member assesses every opened envelope of `part` (the price part by default);
    `verdicts`: {uscc: False} for the rejected ones."""
    verdicts = verdicts or {}
    part = part or evaluation.part_of(tw.tx)
    for member in members(tw):
        for record in OpeningRecord.objects.filter(opening__bid_round=round_of(tw.tx), opening__part=part,
                                                   outcome="opened"):
            ok = verdicts.get(record.bid.bidder_uscc, True)
            evaluation.tender_assess(code=tw.tx.code, user=member.user, commitment=record.bid.commitment,
                                     responsive=ok, reason="满足招标文件实质性要求" if ok else "工期不满足要求")


def score_all(tw, technical=None, commercial="12"):
    """Every member scores every opened bid: technical {uscc: points} (default 40)."""
    technical = technical or {}
    for member in members(tw):
        for record in OpeningRecord.objects.filter(opening__bid_round=round_of(tw.tx),
                                                   opening__part=evaluation.part_of(tw.tx), outcome="opened"):
            evaluation.tender_score(code=tw.tx.code, user=member.user, commitment=record.bid.commitment,
                                    criterion="technical", points=technical.get(record.bid.bidder_uscc, "40"))
            evaluation.tender_score(code=tw.tx.code, user=member.user, commitment=record.bid.commitment,
                                    criterion="commercial", points=commercial)


def sign_all(tw):
    for member in members(tw):
        evaluation.tender_sign(code=tw.tx.code, user=member.user)


def evaluate(tw, verdicts=None):
    assess_all(tw, verdicts)
    if evaluation.round_of(tw.tx).method == "scoring":
        score_all(tw)
    sign_all(tw)
    return transaction_transition(code=tw.tx.code, action="complete_evaluation", user=tw.world.clerk)


def past_publicity(tw):
    clock.advance(evaluation.round_of(tw.tx).publicity_until - clock.now() + timedelta(seconds=1))
    return refresh(tw)


def walk(tw, until, *, bidders=3, **notice_args):
    """Bring the tender with `bidders` bids to `until`: closed, committee, opened,
    evaluated, published (candidates), awarded or result."""
    issue_notice(tw, **notice_args)
    for index in range(bidders):
        bid(tw, index)
    pass_deadline(tw)
    if until == "closed":
        return tw.tx
    form_committee(tw)
    if until == "committee":
        return refresh(tw)
    open_next(tw)
    if tw.tx.stage == "technical_opened":
        assess_all(tw, part="technical")
        open_next(tw)
    if until == "opened":
        return tw.tx
    tx = evaluate(tw)
    if until == "evaluated":
        return tx
    tw.tx = transaction_transition(code=tw.tx.code, action="publish_candidates", user=tw.world.clerk)
    if until == "candidates":
        return tw.tx
    past_publicity(tw)
    tw.tx = transaction_transition(code=tw.tx.code, action="award", user=tw.world.purchaser)
    if until == "awarded":
        return tw.tx
    tw.tx = transaction_transition(code=tw.tx.code, action="publish_result", user=tw.world.clerk)
    return tw.tx


__all__ = ["MONDAY", "fast_scrypt", "PASSPHRASES", "PRICES", "WEIGHTS", "assess_all", "awarding", "bid", "clock", "custodian_share",
           "evaluate", "form_committee", "issue_notice", "make_tender_world", "members", "open_next",
           "pass_deadline", "past_publicity", "refresh", "register", "score_all", "settle", "sign_all", "uscc",
           "walk"]
